// A JSON document as a tree of values, read with JSONDecoder: how ProvenanceJSON hands
// JSONEncoder's output to JSONSerialization for its key order without JSONSerialization's
// own number parsing (which reads a long mantissa such as -1.1102230246251565e-16 as a
// decimal and writes it back as -0.00000000000000011102230246251565). Numbers keep their
// kind: integers as Int (so 64-bit seeds stay exact), others, -0 among them, as Double.

import Foundation

enum JSONTree: Decodable {
    case object([String: JSONTree]), array([JSONTree]), string(String), bool(Bool), int(Int), double(Double), null

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: Key.self) {
            var object: [String: JSONTree] = [:]
            for key in keyed.allKeys { object[key.stringValue] = try keyed.decode(JSONTree.self, forKey: key) }
            self = .object(object)
        } else if var list = try? decoder.unkeyedContainer() {
            var items: [JSONTree] = []
            while !list.isAtEnd { items.append(try list.decode(JSONTree.self)) }
            self = .array(items)
        } else {
            let value = try decoder.singleValueContainer()
            if value.decodeNil() { self = .null } else if let bool = try? value.decode(Bool.self) { self = .bool(bool) } else if let text = try? value.decode(String.self) {
                self = .string(text)
            } else {
                let integer = try? value.decode(Int.self), real = try value.decode(Double.self)
                if let integer, integer != 0 || real.sign == .plus { self = .int(integer) } else { self = .double(real) }
            }
        }
    }

    /// The tree as JSONSerialization's objects.
    var foundationObject: Any {
        switch self {
        case .object(let members): return members.mapValues(\.foundationObject)
        case .array(let items): return items.map(\.foundationObject)
        case .string(let text): return text
        case .bool(let bool): return bool
        case .int(let integer): return integer
        case .double(let real): return real
        case .null: return NSNull()
        }
    }
}
