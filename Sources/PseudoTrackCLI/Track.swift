import ArgumentParser
import ArrayFiles
import Foundation
import Imaging
import Teachers
import VideoIO

struct Track: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Track queries through a whole video with one teacher and write a NumPy .npz.",
        discussion: """
        QUERIES is a .npz (array `queries`), a .npy, or a .json list of [t, x, y] rows: t a frame \
        index, x and y pixels of the video (integer = pixel centre). The output holds `tracks` \
        [T, N, 2] float32, `visible` [T, N] bool, `confidence` [T, N] float32, `valid` [T, N] bool \
        and `queries` [N, 3], in the input order.
        """)

    @Argument(help: "A video file.") var video: String
    @Option(help: "Queries file (.npz, .npy or .json).") var queries: String
    @Option(help: "Teacher: \(NativeTeachers.names.joined(separator: ", ")), or any name with --command.") var teacher = "klt-online"
    @Option(help: ArgumentHelp("Run an external teacher (ops/teachers/PROTOCOL.md): its command line, split at spaces.",
                               valueName: "command")) var command: String?
    @Option(help: "Output .npz.") var out: String

    func run() throws {
        let rows = try QueryFile.read(queries)
        let chosen: Teacher
        if let command {
            chosen = ExternalTeacher(name: teacher, configuration: ExternalTeacherConfiguration(command: command.split(separator: " ").map(String.init)))
        } else if let native = NativeTeachers.make(teacher) {
            chosen = native
        } else {
            throw ValidationError("unknown teacher '\(teacher)' (this engine has: \(NativeTeachers.names.joined(separator: ", ")); an external one needs --command)")
        }
        let reader = try VideoReader(path: video, threads: 0)
        var frames: [GreyImage] = [], rgb: [RGBImage] = []
        frames.reserveCapacity(reader.info.frameCount)
        try reader.readAll(formats: chosen.needsRGB ? [.grey, .rgb] : .grey) { frame in
            frames.append(frame.grey!)
            if let image = frame.rgb { rgb.append(image) }
        }
        for (i, q) in rows.enumerated() where q.t < 0 || q.t >= frames.count {
            throw ValidationError("\(queries): query \(i) is at frame \(q.t); the video has \(frames.count)")
        }
        let result = try chosen.track(TeacherClip(id: video, grey: frames, rgb: chosen.needsRGB ? rgb : nil), queries: rows)
        let t = result.frames, n = result.points
        try NumPyArchive.write([
            ("tracks", NumPyArray(result.tracks, shape: [t, n, 2])),
            ("visible", NumPyArray(result.visible, shape: [t, n])),
            ("confidence", NumPyArray(result.confidence, shape: [t, n])),
            ("valid", NumPyArray(result.valid, shape: [t, n])),
            ("queries", NumPyArray(rows.flatMap { [Float($0.t), $0.x, $0.y] }, shape: [n, 3])),
        ], to: out)
        print("\(out): \(n) tracks over \(t) frames (\(chosen.name))")
    }
}

/// Query rows (t, x, y) from .npz, .npy or .json.
enum QueryFile {
    static func read(_ path: String) throws -> [TeacherQuery] {
        let values: [Float]
        switch (path as NSString).pathExtension.lowercased() {
        case "npz":
            guard let array = try NumPyArchive.read(path)["queries"] else { throw NumPyError.missing(path, "queries") }
            guard array.shape.count == 2, array.shape[1] == 3 else { throw ValidationError("\(path): queries must be [N, 3], not \(array.shape)") }
            values = array.floats()
        case "npy":
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path): cannot read the file") }
            let array = try NumPyArray(npy: [UInt8](data), name: path)
            guard array.shape.count == 2, array.shape[1] == 3 else { throw ValidationError("\(path): queries must be [N, 3], not \(array.shape)") }
            values = array.floats()
        case "json":
            guard let data = FileManager.default.contents(atPath: path),
                  let rows = try JSONSerialization.jsonObject(with: data) as? [[Double]], rows.allSatisfy({ $0.count == 3 }) else {
                throw ValidationError("\(path): expected a JSON list of [t, x, y] rows")
            }
            values = rows.flatMap { $0.map(Float.init) }
        default:
            throw ValidationError("\(path): queries must be .npz, .npy or .json")
        }
        return stride(from: 0, to: values.count, by: 3).map {
            TeacherQuery(t: Int(values[$0].rounded()), x: values[$0 + 1], y: values[$0 + 2])
        }
    }
}
