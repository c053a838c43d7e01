// The file name pattern of a rig view's depth frames (`cam0_depth/%05d.png`), and the
// file of one frame. The pattern is data (rig.json, and the rig directory's own name), so
// it never goes to String(format:), where `%p` would print stack addresses, `%s` read a
// pointer that is not there and `%0999999999d` ask for a gigabyte: this parser accepts
// exactly one placeholder `%d`, `%Nd` or `%0Nd` with a width of at most `maximumWidth`
// digits, `%%` for a literal percent sign, and nothing else. Frame indices are not
// negative, so the width pads with zeros (`%0Nd`) or spaces (`%Nd`) as printf does.

public struct DepthFilePattern: Sendable, Equatable {
    /// The text before and after the placeholder, `%%` already made `%`.
    public let prefix: String
    public let suffix: String
    /// Minimum digits, 0 = as many as the index needs.
    public let width: Int
    /// Pad with zeros (`%05d`) rather than spaces (`%5d`).
    public let zeroPadded: Bool

    /// A frame index never needs more than 19 digits; wider is a mistake or an attack.
    public static let maximumWidth = 19

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case noPlaceholder
        case severalPlaceholders
        case unsupported(String)
        case widthTooLarge(String)
        public var description: String {
            switch self {
            case .noPlaceholder: return "has no frame number placeholder (%d, %05d)"
            case .severalPlaceholders: return "has more than one placeholder (exactly one %d or %0Nd is allowed)"
            case .unsupported(let p): return "has an unsupported placeholder '\(p)' (only %d, %Nd and %0Nd, and %% for a percent sign)"
            case .widthTooLarge(let p): return "has a placeholder '\(p)' wider than \(DepthFilePattern.maximumWidth) digits"
            }
        }
    }

    public init(_ pattern: String) throws {
        var prefix = "", suffix = ""
        var found: (width: Int, zero: Bool)? = nil
        var characters = Array(pattern)[...]
        while let c = characters.popFirst() {
            guard c == "%" else { if found == nil { prefix.append(c) } else { suffix.append(c) }; continue }
            if characters.first == "%" {
                characters.removeFirst()
                if found == nil { prefix.append("%") } else { suffix.append("%") }
                continue
            }
            var spec = "%"
            var digits = ""
            while let d = characters.first, d.isASCII, d.isNumber { digits.append(d); spec.append(d); characters.removeFirst() }
            guard let conversion = characters.popFirst() else { throw ParseError.unsupported(spec) }
            spec.append(conversion)
            guard conversion == "d" else { throw ParseError.unsupported(spec) }
            guard found == nil else { throw ParseError.severalPlaceholders }
            let zero = digits.hasPrefix("0")
            let significant = digits.drop { $0 == "0" }
            guard significant.count <= 2, let width = significant.isEmpty ? 0 : Int(significant), width <= Self.maximumWidth else {
                throw ParseError.widthTooLarge(spec)
            }
            found = (width, zero)
        }
        guard let found else { throw ParseError.noPlaceholder }
        self.prefix = prefix; self.suffix = suffix; self.width = found.width; self.zeroPadded = found.zero
    }

    /// The text `%%`-escaped, so that it can stand before a pattern (a directory whose name has `%`).
    public static func escaped(_ literal: String) -> String { literal.replacingOccurrences(of: "%", with: "%%") }

    /// The file of frame `index` (not negative).
    public func file(frame index: Int) -> String {
        let digits = String(index)
        let pad = String(repeating: zeroPadded ? "0" : " ", count: max(0, width - digits.count))
        return prefix + pad + digits + suffix
    }
}
