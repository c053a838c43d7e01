// `decode-check`: decodes the clip and rejects what no tracker can label. A point cannot be
// followed across a blank frame (a fade to black, a dropped signal), through a frozen
// stretch (repeated frames carry no motion to learn from), or across a scene cut (the
// next shot shows other surfaces). The tests are cheap statistics on the stored grey frames:
//   blank   the frame's standard deviation is below `blank_std` grey levels;
//   frozen  the mean absolute difference to the previous frame is below `frozen_mad`;
//           the clip is skipped when at least `frozen_fraction` of its frame pairs are;
//   cut     the histogram difference to the previous frame (half the L1 distance of
//           32-bin normalised histograms, 0…1) exceeds `cut_threshold` and is at least
//           `cut_ratio` times the clip's median difference, so that a steady fast pan,
//           whose histograms change evenly, is not mistaken for a cut (the usual
//           histogram shot-boundary test: Zhang, Kankanhalli & Smoliar, "Automatic
//           partitioning of full-motion video", Multimedia Systems 1993).
// Statistics are computed on every second pixel of every second row, which changes
// none of them materially and halves the cost. The artifact keeps the per-frame values.

import Foundation
import Imaging
import Manifest
import PipelineDefinition

/// Per-frame statistics the check is decided on.
public struct FrameStatistics: Codable, Equatable, Sendable {
    public var std: [Double]
    /// Mean absolute difference to the previous frame (0 for the first).
    public var mad: [Double]
    /// Histogram difference to the previous frame (0 for the first).
    public var histogramDifference: [Double]
    public var verdict: String
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case std, mad, histogramDifference = "histogram_difference", verdict, reason
    }
}

public struct DecodeCheckStage: Stage {
    public var interface: StageInterface { .decodeCheck }
    public let needsRGB = false
    public let configuration: DecodeCheckConfiguration

    public init(configuration: DecodeCheckConfiguration) { self.configuration = configuration }

    public func run(_ input: StageInput) throws -> StageOutcome {
        var stats = Self.statistics(input.grey)
        let reason = decide(stats)
        stats.verdict = reason == nil ? "ok" : "skipped"
        stats.reason = reason
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let artifact = ArtifactPayload(name: "decode-check", format: "decode-check.v1+json",
                                       bytes: Array(try encoder.encode(stats)))
        if let reason { return .skipped(reason: reason, [artifact]) }
        return .done([artifact])
    }

    /// The skip reason, or nil when the clip can be labelled.
    func decide(_ s: FrameStatistics) -> String? {
        let t = s.std.count
        if let blank = s.std.firstIndex(where: { $0 < configuration.blankStd }) {
            let count = s.std.filter { $0 < configuration.blankStd }.count
            return "blank-frames: \(count) of \(t) frames are blank (first at clip frame \(blank), std \(String(format: "%.2f", s.std[blank])) < \(configuration.blankStd))"
        }
        if t > 1 {
            let frozen = s.mad.dropFirst().filter { $0 < configuration.frozenMAD }.count
            if Double(frozen) >= configuration.frozenFraction * Double(t - 1) {
                return "frozen: \(frozen) of \(t - 1) frame pairs do not change (mean difference < \(configuration.frozenMAD))"
            }
            let diffs = Array(s.histogramDifference.dropFirst())
            let median = diffs.sorted()[diffs.count / 2]
            if let cut = diffs.firstIndex(where: { $0 > configuration.cutThreshold && $0 >= configuration.cutRatio * median }) {
                return "scene-cut: between clip frames \(cut) and \(cut + 1) (histogram difference \(String(format: "%.3f", diffs[cut])), clip median \(String(format: "%.3f", median)))"
            }
        }
        return nil
    }

    static func statistics(_ frames: [GreyImage]) -> FrameStatistics {
        var std: [Double] = [], mad: [Double] = [], hist: [Double] = []
        var previousHistogram = [Double](repeating: 0, count: 32)
        for (index, frame) in frames.enumerated() {
            var histogram = [Double](repeating: 0, count: 32)
            var sum = 0.0, sumSquares = 0.0, absDiff = 0.0, n = 0.0
            let previous = index > 0 ? frames[index - 1] : nil
            frame.pixels.withUnsafeBufferPointer { p in
                for y in stride(from: 0, to: frame.height, by: 2) {
                    let row = y * frame.width
                    for x in stride(from: 0, to: frame.width, by: 2) {
                        let v = Double(p[row + x])
                        sum += v; sumSquares += v * v; n += 1
                        histogram[min(31, Int(v) >> 3)] += 1
                    }
                }
                if let previous, previous.width == frame.width, previous.height == frame.height {
                    previous.pixels.withUnsafeBufferPointer { q in
                        for y in stride(from: 0, to: frame.height, by: 2) {
                            let row = y * frame.width
                            for x in stride(from: 0, to: frame.width, by: 2) { absDiff += Double(abs(p[row + x] - q[row + x])) }
                        }
                    }
                }
            }
            let mean = sum / max(n, 1)
            std.append((max(0, sumSquares / max(n, 1) - mean * mean)).squareRoot())
            for i in 0..<32 { histogram[i] /= max(n, 1) }
            mad.append(index > 0 ? absDiff / max(n, 1) : 0)
            hist.append(index > 0 ? 0.5 * zip(histogram, previousHistogram).reduce(0) { $0 + abs($1.0 - $1.1) } : 0)
            previousHistogram = histogram
        }
        return FrameStatistics(std: std, mad: mad, histogramDifference: hist, verdict: "", reason: nil)
    }
}
