// Typed, checked access to one mapping of a pipeline YAML file, with errors that name
// the file and the full key ("clips.frame_step: …"). A value of the wrong type is an
// error, never a silent default (`clips: 5`, `shards: none`, `length: {a: 1}`); numbers
// must be finite and within their key's bound (YAMLBounds); an empty value (`key:`,
// `~`, `null`) counts as absent.

import Yams

struct YAMLSection {
    let path: String
    let prefix: String
    let mapping: Node.Mapping

    private func node(_ key: String) -> Node? { mapping[Node(key)] }
    func error(_ key: String, _ message: String) -> PipelineError {
        .invalid(path: path, message: "\(prefix)\(key): \(message)")
    }

    /// Fails on any key not in `keys`.
    func allow(_ keys: [String]) throws {
        for (key, _) in mapping {
            guard let name = key.string, keys.contains(name) else {
                throw PipelineError.invalid(path: path, message: "\(prefix)\(key.string ?? "?"): unknown key (expected one of: \(keys.joined(separator: ", ")))")
            }
        }
    }

    /// The value of `key`, nil when absent or null.
    private func present(_ key: String) -> Node? {
        guard let n = node(key) else { return nil }
        if let scalar = n.scalar, scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            return nil
        }
        return n
    }

    /// The mapping under `key`. `scalarAllowed`: a scalar is another form of the key
    /// (`frame_step: 2` beside `frame_step: {min, max}`) and gives nil; otherwise it is an error.
    func section(_ key: String, scalarAllowed: Bool = false) throws -> YAMLSection? {
        guard let n = present(key) else { return nil }
        if n.scalar != nil && scalarAllowed { return nil }
        guard let m = n.mapping else { throw error(key, "must be a mapping, not '\(n.scalar?.string ?? "a list")'") }
        return YAMLSection(path: path, prefix: "\(prefix)\(key).", mapping: m)
    }

    func isText(_ key: String, _ value: String) -> Bool { node(key)?.scalar?.string == value }

    func int(_ key: String, atLeast minimum: Int? = nil) throws -> Int? {
        guard let n = present(key) else { return nil }
        guard n.scalar != nil, let v = n.int else { throw error(key, "must be an integer, not '\(n.scalar?.string ?? (n.mapping != nil ? "a mapping" : "a list"))'") }
        if let minimum, v < minimum { throw error(key, "must be at least \(minimum), not \(v)") }
        if let maximum = YAMLBounds.integer(key), v > maximum { throw error(key, "must be at most \(maximum), not \(v)") }
        return v
    }

    func double(_ key: String, atLeast minimum: Double? = nil) throws -> Double? {
        guard let n = present(key) else { return nil }
        guard n.scalar != nil, let v = n.float else { throw error(key, "must be a number, not '\(n.scalar?.string ?? (n.mapping != nil ? "a mapping" : "a list"))'") }
        guard v.isFinite else { throw error(key, "must be a finite number, not \(n.scalar?.string ?? "\(v)")") }
        if let minimum, v < minimum { throw error(key, "must be at least \(minimum), not \(v)") }
        let maximum = YAMLBounds.real(key)
        if v > maximum { throw error(key, "must be at most \(maximum), not \(v)") }
        return v
    }

    func bool(_ key: String) throws -> Bool? {
        guard let n = node(key) else { return nil }
        guard let v = n.bool else { throw error(key, "must be true or false") }
        return v
    }

    func string(_ key: String) throws -> String? {
        guard let n = node(key) else { return nil }
        guard let v = n.scalar?.string else { throw error(key, "must be text") }
        return v
    }

    func strings(_ key: String) throws -> [String]? {
        guard let n = node(key) else { return nil }
        guard let seq = n.sequence else { throw error(key, "must be a list") }
        return try seq.map { item in
            guard let s = item.scalar?.string else { throw error(key, "must be a list of names") }
            return s
        }
    }

    /// A list of mappings, each as a section ("teachers[2].name: …" in errors).
    func sections(_ key: String) throws -> [YAMLSection]? {
        guard let n = node(key) else { return nil }
        guard let seq = n.sequence else { throw error(key, "must be a list") }
        return try seq.enumerated().map { index, item in
            guard let m = item.mapping else { throw error("\(key)[\(index)]", "must be a mapping") }
            return YAMLSection(path: path, prefix: "\(prefix)\(key)[\(index)].", mapping: m)
        }
    }
}
