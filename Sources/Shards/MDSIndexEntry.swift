// A shard's entry in `index.json` (Shards/README.md §2): exactly the eleven keys
// mosaicml-streaming passes to its shard reader, written as its writer writes them
// (`json.dump(index, sort_keys=True)`), and read back for verification.

import Foundation

/// A file of a shard: its name, length and SHA-1.
public struct MDSFileInfo: Equatable, Sendable {
    public var basename: String
    public var bytes: Int
    public var sha1: String

    public init(basename: String, bytes: Int, sha1: String) {
        self.basename = basename; self.bytes = bytes; self.sha1 = sha1
    }

    var json: String {
        PythonJSON.object([("basename", PythonJSON.string(basename)), ("bytes", String(bytes)),
                           ("hashes", PythonJSON.object([("sha1", PythonJSON.string(sha1))]))])
    }

    init(parsing value: Any?, key: String) throws {
        guard let object = value as? [String: Any], let basename = object["basename"] as? String,
              let bytes = object["bytes"] as? Int, let hashes = object["hashes"] as? [String: Any],
              let sha1 = hashes["sha1"] as? String else {
            throw MDSFormatError.value("\(key) is not {basename, bytes, hashes: {sha1}}")
        }
        self.init(basename: basename, bytes: bytes, sha1: sha1)
    }
}

public struct MDSIndexEntry: Equatable, Sendable {
    public var columns: MDSColumns
    public var samples: Int
    public var raw: MDSFileInfo
    public var zip: MDSFileInfo

    public init(columns: MDSColumns, samples: Int, raw: MDSFileInfo, zip: MDSFileInfo) {
        self.columns = columns; self.samples = samples; self.raw = raw; self.zip = zip
    }

    /// The basename of shard `index`: shard.00000.mds (five digits, wider past 99999).
    public static func rawBasename(_ index: Int) -> String { "shard." + String(format: "%05d", index) + ".mds" }

    /// The entry as JSON text, keys sorted.
    public var json: String {
        var members = columns.configurationMembers
        members.append(("raw_data", raw.json))
        members.append(("samples", String(samples)))
        members.append(("zip_data", zip.json))
        members.sort { $0.0 < $1.0 }
        return PythonJSON.object(members)
    }

    /// `index.json` for these entries (each entry's JSON text), in order.
    public static func indexText(entryTexts: [String]) -> String {
        PythonJSON.object([("shards", PythonJSON.list(entryTexts)), ("version", "2")])
    }

    static let keys: Set<String> = ["column_encodings", "column_names", "column_sizes", "compression", "format", "hashes",
                                    "raw_data", "samples", "size_limit", "version", "zip_data"]

    /// Parses an entry of `index.json`, refusing anything PseudoTrack's shards do not hold.
    public init(parsing value: Any) throws {
        guard let object = value as? [String: Any] else { throw MDSFormatError.value("a shard entry that is not an object") }
        guard Set(object.keys) == Self.keys else {
            throw MDSFormatError.value("shard entry keys \(object.keys.sorted()) are not exactly \(Self.keys.sorted())")
        }
        guard let names = object["column_names"] as? [String], let encodings = object["column_encodings"] as? [String],
              names.count == encodings.count, (object["column_sizes"] as? [Any])?.count == names.count else {
            throw MDSFormatError.value("column_names, column_encodings and column_sizes do not match")
        }
        guard Set(names).count == names.count else { throw MDSFormatError.value("column_names repeat a name") }
        guard object["format"] as? String == "mds", object["version"] as? Int == 2,
              object["hashes"] as? [String] == MDSColumns.hashes else {
            throw MDSFormatError.value("format, version or hashes are not mds, 2, [\"sha1\"]")
        }
        let level: Int32
        switch object["compression"] as? String {
        case "zstd": level = 3
        case let text? where text.hasPrefix("zstd:") && Int32(text.dropFirst(5)).map({ (1...22).contains($0) }) == true:
            level = Int32(text.dropFirst(5))!
        default: throw MDSFormatError.value("compression \(String(describing: object["compression"])) is not zstd")
        }
        guard let sizeLimit = object["size_limit"] as? Int, let samples = object["samples"] as? Int else {
            throw MDSFormatError.value("size_limit or samples is not an integer")
        }
        let columns = MDSColumns(Dictionary(uniqueKeysWithValues: Swift.zip(names, encodings)), zstdLevel: level, sizeLimit: sizeLimit)
        guard columns.names == names else { throw MDSFormatError.value("column_names are not sorted") }
        self.init(columns: columns, samples: samples, raw: try MDSFileInfo(parsing: object["raw_data"], key: "raw_data"),
                  zip: try MDSFileInfo(parsing: object["zip_data"], key: "zip_data"))
    }
}
