// The safetensors dtype names of the element types (Hugging Face's format: `F32`, `U8`,
// `BOOL`, …): manifest artifacts are safetensors bundles, written and read by Pipeline's
// TensorBundle (which Overlay reads them through too).

extension ElementType {
    /// The type's safetensors dtype (`F32`, `U8`, `BOOL`, …).
    public var safetensorsName: String {
        switch self {
        case .bool: return "BOOL"
        case .uint8: return "U8"
        case .int8: return "I8"
        case .uint16: return "U16"
        case .int16: return "I16"
        case .uint32: return "U32"
        case .int32: return "I32"
        case .uint64: return "U64"
        case .int64: return "I64"
        case .float16: return "F16"
        case .float32: return "F32"
        case .float64: return "F64"
        }
    }

    public init?(safetensorsName name: String) {
        guard let type = ElementType.allCases.first(where: { $0.safetensorsName == name }) else { return nil }
        self = type
    }
}
