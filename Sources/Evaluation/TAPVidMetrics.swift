// TAP-Vid metrics (Doersch et al., "TAP-Vid: A Benchmark for Tracking Any Point in a
// Video", NeurIPS 2022, §4), 'first' protocol: each query is the first visible frame of
// its point and only the frames after it are scored. Positions are rescaled to 256×256
// before the thresholds 1, 2, 4, 8, 16 px apply.
//   δ_avg   mean over thresholds of the share of ground-truth-visible point-frames
//           predicted within the threshold;
//   AJ      mean over thresholds of TP / (TP + FP + FN): a true positive is predicted
//           visible, truly visible and within the threshold; every other predicted-
//           visible frame is a false positive, every other truly visible frame a false
//           negative;
//   OA      share of scored frames whose predicted visibility is right.
// Arrays are frames first: tracks [T, N, 2], visible [T, N].

public struct TAPVidMetrics: Equatable, Sendable, Codable {
    public var averageJaccard: Double
    public var deltaAverage: Double
    public var occlusionAccuracy: Double
    public var withinThreshold: [Double]

    enum CodingKeys: String, CodingKey {
        case averageJaccard = "average_jaccard", deltaAverage = "delta_avg", occlusionAccuracy = "occlusion_accuracy",
             withinThreshold = "pts_within"
    }

    public static let thresholds: [Double] = [1, 2, 4, 8, 16]

    public init(averageJaccard: Double, deltaAverage: Double, occlusionAccuracy: Double, withinThreshold: [Double]) {
        self.averageJaccard = averageJaccard; self.deltaAverage = deltaAverage
        self.occlusionAccuracy = occlusionAccuracy; self.withinThreshold = withinThreshold
    }

    /// - Parameters: frames T, points N; `queryFrames` [N]; `width`/`height` the video size.
    public static func compute(predicted: [Float], predictedVisible: [Bool], truth: [Float], truthVisible: [Bool],
                               queryFrames: [Int], frames: Int, points: Int, width: Int, height: Int) -> TAPVidMetrics {
        let sx = 256 / Double(width), sy = 256 / Double(height)
        var scored = 0, correctVisibility = 0, truePositives = [Int](repeating: 0, count: 5)
        var within = [Int](repeating: 0, count: 5), visibleScored = 0, predictedVisibleScored = 0
        for t in 0..<frames {
            for n in 0..<points where t > queryFrames[n] {
                let i = t * points + n
                scored += 1
                let pv = predictedVisible[i], gv = truthVisible[i]
                if pv == gv { correctVisibility += 1 }
                if pv { predictedVisibleScored += 1 }
                guard gv else { continue }
                visibleScored += 1
                let dx = Double(predicted[2 * i] - truth[2 * i]) * sx, dy = Double(predicted[2 * i + 1] - truth[2 * i + 1]) * sy
                let d = (dx * dx + dy * dy).squareRoot()
                for (k, threshold) in thresholds.enumerated() where d < threshold {
                    within[k] += 1
                    if pv { truePositives[k] += 1 }
                }
            }
        }
        let fractions = within.map { Double($0) / Double(max(visibleScored, 1)) }
        // FP = predicted visible but not a true positive; FN + TP = truly visible.
        let jaccards = truePositives.map { tp in
            Double(tp) / Double(max(visibleScored + (predictedVisibleScored - tp), 1))
        }
        return TAPVidMetrics(averageJaccard: jaccards.reduce(0, +) / 5, deltaAverage: fractions.reduce(0, +) / 5,
                             occlusionAccuracy: Double(correctVisibility) / Double(max(scored, 1)), withinThreshold: fractions)
    }
}
