// The pipeline's teacher ensemble: the `teachers` list (native teachers by name, external
// ones with a `command`, each with an optional weight) and how the `teacher` stage uses
// it (`teacher.choose`: `random` draws one teacher per clip with probability ∝ weight,
// from the clip's seeded generator, as CoTracker3 draws one teacher per batch; `all` runs
// every teacher and still draws the one whose labels are the clip's).

import Teachers

public struct TeacherEntry: Sendable, Equatable {
    public var name: String
    public var weight: Double = 1
    /// Set for an external teacher.
    public var external: ExternalTeacherConfiguration?

    public init(name: String, weight: Double = 1, external: ExternalTeacherConfiguration? = nil) {
        self.name = name; self.weight = weight; self.external = external
    }
}

public struct TeacherEnsemble: Sendable, Equatable {
    public enum Choice: String, Sendable { case random, all }
    public var members: [TeacherEntry] = NativeTeachers.names.map { TeacherEntry(name: $0) }
    public var choose: Choice = .random
    public init() {}

    /// Parses the `teachers` list.
    static func members(_ reader: YAMLSection, key: String) throws -> [TeacherEntry] {
        guard let items = try reader.sections(key) else { return TeacherEnsemble().members }
        guard !items.isEmpty else { throw reader.error(key, "must list at least one teacher") }
        var seen = Set<String>()
        return try items.map { s in
            try s.allow(["name", "weight", "command", "timeout", "startup_timeout"])
            guard let name = try s.string("name") else { throw s.error("name", "every teacher needs a name") }
            guard seen.insert(name).inserted else { throw s.error("name", "'\(name)' is listed twice") }
            var entry = TeacherEntry(name: name, weight: try s.double("weight", atLeast: 0) ?? 1)
            if let command = try s.strings("command") {
                guard !command.isEmpty else { throw s.error("command", "must not be empty") }
                var external = ExternalTeacherConfiguration(command: command)
                external.timeout = try s.double("timeout", atLeast: 1) ?? external.timeout
                external.startupTimeout = try s.double("startup_timeout", atLeast: 1) ?? external.startupTimeout
                entry.external = external
            } else {
                guard NativeTeachers.names.contains(name) else {
                    throw s.error("name", "'\(name)' is not a native teacher (\(NativeTeachers.names.joined(separator: ", "))); an external teacher needs a command")
                }
                for key in ["timeout", "startup_timeout"] where try s.double(key) != nil {
                    throw s.error(key, "only an external teacher (with a command) has one")
                }
            }
            return entry
        }
    }

    /// The `teacher` section (the stage's own settings).
    mutating func read(_ s: YAMLSection) throws {
        try s.allow(["choose"])
        if let c = try s.string("choose") {
            guard let choice = Choice(rawValue: c) else { throw s.error("choose", "must be random or all") }
            choose = choice
        }
    }

    /// The teachers themselves, in list order.
    public func makeTeachers() -> [Teacher] {
        members.map { m in
            if let external = m.external { return ExternalTeacher(name: m.name, configuration: external) }
            return NativeTeachers.make(m.name)!
        }
    }

    /// Index of the member drawn with `u` uniform in [0, 1): probability ∝ weight.
    public func draw(_ u: Double) -> Int {
        let total = members.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return 0 }
        var acc = 0.0
        for (i, m) in members.enumerated() {
            acc += m.weight / total
            if u < acc && m.weight > 0 { return i }
        }
        return members.lastIndex { $0.weight > 0 } ?? 0
    }
}
