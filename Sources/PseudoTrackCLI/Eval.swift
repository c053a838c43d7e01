import ArgumentParser
import ArrayFiles
import Evaluation
import Foundation

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "TAP-Vid metrics ('first' protocol) of predicted tracks against ground truth.",
        discussion: """
        Both files are .npz with `tracks` [T, N, 2] and `visible` [T, N] (frames first); the \
        ground truth also has `queries` [N, 3] (t, x, y). Positions are rescaled to 256×256 with \
        the video size: --size, or the ground truth's `size` array.
        """)

    @Option(help: "Predicted tracks (.npz), e.g. from `pseudotrack track`.") var pred: String
    @Option(help: "Ground truth (.npz).") var gt: String
    @Option(help: "Video size WIDTHxHEIGHT (default: the ground truth's `size`).") var size: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let p = try NumPyArchive.read(pred), g = try NumPyArchive.read(gt)
        guard let pt = p["tracks"], let pv = p["visible"] else { throw ValidationError("\(pred): needs `tracks` and `visible`") }
        guard let gtTracks = g["tracks"], let gv = g["visible"], let gq = g["queries"] else {
            throw ValidationError("\(gt): needs `tracks`, `visible` and `queries`")
        }
        guard pt.shape == gtTracks.shape, pv.shape == gv.shape, gtTracks.shape.count == 3 else {
            throw ValidationError("shapes differ: predicted \(pt.shape) / \(pv.shape), ground truth \(gtTracks.shape) / \(gv.shape)")
        }
        var width = 0, height = 0
        if let size {
            let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2 else { throw ValidationError("--size must be WIDTHxHEIGHT") }
            (width, height) = (parts[0], parts[1])
        } else if let s = g["size"]?.floats(), s.count == 2 {
            (width, height) = (Int(s[0]), Int(s[1]))
        } else {
            throw ValidationError("\(gt) has no `size`; give --size WIDTHxHEIGHT")
        }
        let frames = gtTracks.shape[0], points = gtTracks.shape[1]
        let queryValues = gq.floats()
        let queryFrames = stride(from: 0, to: queryValues.count, by: 3).map { Int(queryValues[$0].rounded()) }
        let metrics = TAPVidMetrics.compute(predicted: pt.floats(), predictedVisible: pv.floats().map { $0 != 0 },
                                            truth: gtTracks.floats(), truthVisible: gv.floats().map { $0 != 0 },
                                            queryFrames: queryFrames, frames: frames, points: points,
                                            width: width, height: height)
        if json {
            print(try JSONText.encode(metrics))
        } else {
            print(String(format: "AJ %.4f  δ_avg %.4f  OA %.4f  (%d points, %d frames)", metrics.averageJaccard,
                         metrics.deltaAverage, metrics.occlusionAccuracy, points, frames))
        }
    }
}
