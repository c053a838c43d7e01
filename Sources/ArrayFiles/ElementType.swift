// The element type of a dense little-endian array, one enum for every array format the
// engine reads or writes: NumPy's .npy/.npz (NumPyArray), MDS shard columns (Shards'
// MDSArray), the safetensors bundles of manifest artifacts (Pipeline's TensorBundle) and
// the arrays of the external-teacher protocol (Teachers' WireArray, ops/teachers/PROTOCOL.md).
// The raw value is NumPy's and mosaicml-streaming's name (`float32`), which is also the
// protocol's; each format spells the types in its own file (`<f4` in NumPyArray.swift,
// `F32` in SafetensorsDType.swift, the MDS subset in Shards' MDSValue.swift) and refuses
// the names it does not know.

public enum ElementType: String, Sendable, CaseIterable {
    case bool, uint8, int8, uint16, int16, uint32, int32, uint64, int64, float16, float32, float64

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .uint16, .int16, .float16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        }
    }
}
