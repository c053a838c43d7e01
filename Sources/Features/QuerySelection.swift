// Query selection: which points of a clip get labelled. CoTracker3 trains on queries
// that SIFT finds on 8 frames from the first quarter of each clip (384 of them), since
// SIFT points are the ones its teachers track well (Karaev et al., "CoTracker3", 2024,
// §3.3). This follows it and improves on it:
//   spread        strongest first with non-maximum suppression at `minDistance` within a
//                 frame, taken round-robin across the frames, so points cover the frames
//                 instead of crowding on one texture;
//   one per point a keypoint whose SIFT descriptor lies within `duplicateDescriptor`
//                 (OpenCV's 512-norm scale) of an already chosen query of another frame,
//                 no farther than `duplicateRadius` pixels, is that query's physical point
//                 found again: it is skipped (CoTracker3's recipe picks the same point in
//                 several of its 8 frames; measured on ../shared/bench's layers, such
//                 duplicates took 36% of the labels, all removed later as duplicates);
//   trackability  SIFT blobs whose structure-tensor λ_min over the trackers' window is
//                 below `minEigenvalue`, or that lie within `border` of the frame edge,
//                 are dropped: blobs on flat regions are hard for patch trackers;
//   fallback      when fewer than `count` survive, Shi–Tomasi corners of the same frames
//                 fill up, under the same suppression (CoTracker3 fills with random
//                 points and masks them out of the loss; no label is spent on them here);
//   space-time    given the clip's motion (FrameMotion; the points stage gives pyramidal
//                 Lucas–Kanade), the frames are taken in order of time, each with its
//                 share of the queries still wanted: the queries already chosen are
//                 carried to the frame and suppress candidates within `minDistance` of
//                 where they are now, so a physical point is queried once however many
//                 frames SIFT finds it in (this replaces the descriptor test, which misses
//                 corners and repeated texture). Measured with `make bench`'s own
//                 sequences (`SET=dev ops/bench/pipeline.sh`, the default pipeline, one
//                 core): with 1024 queries, 701 labelled tracks per clip instead of 526,
//                 visible labels right 0.985 instead of 0.964, recall_4 0.789 instead of
//                 0.729, 5,900 correct visible labels per CPU-second instead of 4,000.
//                 The share of them on moving objects falls (0.23 from 0.32): a fast,
//                 turning object has few distinct points, and the duplicates of its
//                 strongest ones counted again;
//   moving first  so, in each frame, candidates on the parts that move apart from the
//                 scene (MovingRegions) are offered first, SIFT then corners, and only
//                 `movingMinDistance` (1.5 px) apart where the rest of the frame keeps
//                 `minDistance` (4 px): trackers learn from what moves, and an object a
//                 few percent of the frame otherwise gets a few percent of the queries;
//                 sampled about seven times denser per area, it gets a share of the
//                 correct labels about the Python/OpenCV peer's (`foreground_ok` of
//                 ../shared/bench/correct_labels.py). On ../shared/bench's layers
//                 sequences, 2048 queries, one core, against 3 px (and with `flow`
//                 checking the template teacher, FullTrackerStage): tune set share 0.081 → 0.21 (peer 0.196), 2.2× the correct
//                 labels on moving objects, 0.85× the correct labels, recall_4 0.79 →
//                 0.81, visible precision unchanged (0.995); held-out set share 0.055 →
//                 0.10 (peer 0.193; a third of its labels lie in a clip with nothing
//                 moving), occluded precision 0.81 → 0.98. 1 px is denser still (share
//                 0.27 on the tune set) for 0.73× the correct labels per CPU-second.
//                 On `make bench`'s own sequences (`SET=dev ops/bench/pipeline.sh`)
//                 the share goes from 0.34 to 0.54 (the peer's 0.545), but recall_4
//                 from 0.78 to 0.69, the visible labels right from 0.980 to 0.975, and
//                 the correct labels to 0.74×: their objects are larger and faster, and
//                 the trackers lose more of the points put on them;
//   grid mode     a jittered uniform grid instead, for unbiased sampling.
// Every draw comes from the clip's seeded generator: the same clip, the same queries.

import Imaging
import Seeding

public struct QuerySelectionConfiguration: Sendable, Equatable {
    public enum Mode: String, Sendable { case sift, grid }
    public var mode: Mode = .sift
    /// Queries per clip (N). About 40% end as labelled tracks: 2048 leaves twice CoTracker3's
    /// 384 per clip (`traj_per_sample`).
    public var count = 2048
    /// Frames SIFT runs on, drawn from the first `firstFraction` of the clip.
    public var frames = 8
    public var firstFraction = 0.25
    /// Minimum distance between two queries of one frame, pixels.
    public var minDistance: Float = 4
    /// Queries keep this far from the frame edge, pixels.
    public var border = 10
    /// Half-size of the trackers' window for the trackability test (21×21, the
    /// Lucas–Kanade default).
    public var trackabilityRadius = 10
    /// Minimum λ_min, (grey levels / pixel)², over that window.
    public var minEigenvalue: Float = 4
    /// Half-size of the Shi–Tomasi block for the fallback corners: 3×3, OpenCV's
    /// goodFeaturesToTrack default; larger blocks move the peak into the corner's interior.
    public var cornerRadius = 1
    /// Cross-frame duplicates: descriptor distance and image distance (pixels) below which a
    /// keypoint is an already chosen query found again in another frame; 0 disables.
    public var duplicateDescriptor: Float = 160
    public var duplicateRadius: Float = 40
    /// Space-time selection: candidates on parts of the frame that move apart from the
    /// scene (MovingRegions, displacement off the scene's motion by more than
    /// `movingThreshold` pixels) are offered first, `movingMinDistance` apart; 0 disables.
    public var movingMinDistance: Float = 1.5
    public var movingThreshold: Float = 2
    public init() {}
}

/// How a query was found.
public enum QuerySource: UInt8, Sendable, CaseIterable {
    case sift = 0, shiTomasi = 1, grid = 2
    public var name: String { ["sift", "shi-tomasi", "grid"][Int(rawValue)] }
}

/// A query: frame t of the clip and a position in stored pixels (integer = pixel centre).
public struct Query: Equatable, Sendable {
    public var t: Int
    public var x: Float
    public var y: Float
    /// Scale: SIFT's σ, the corner block radius, or the grid cell's half-width.
    public var sigma: Float
    public var orientation: Float
    /// SIFT contrast, or λ_min for corners, 0 for grid points.
    public var response: Float
    public var source: QuerySource

    public init(t: Int, x: Float, y: Float, sigma: Float, orientation: Float, response: Float, source: QuerySource) {
        self.t = t; self.x = x; self.y = y; self.sigma = sigma; self.orientation = orientation
        self.response = response; self.source = source
    }
}

public final class QuerySelector {
    public let configuration: QuerySelectionConfiguration
    private let sift: SIFT

    public init(configuration: QuerySelectionConfiguration, sift: SIFTConfiguration = SIFTConfiguration()) {
        self.configuration = configuration
        self.sift = SIFT(configuration: sift)
    }

    /// The clip frames queries are taken from: `frames` distinct indices drawn from the
    /// first `firstFraction` of a clip of `length` frames (all of them if fewer), ascending.
    public func queryFrames(length: Int, random: inout SeededGenerator) -> [Int] {
        let span = max(1, Int((Double(length) * configuration.firstFraction).rounded(.up)))
        var pool = Array(0..<min(span, length))
        // Partial Fisher–Yates with the stable generator.
        let take = min(configuration.frames, pool.count)
        for i in 0..<take {
            let j = random.int(in: i...(pool.count - 1))
            pool.swapAt(i, j)
        }
        return Array(pool[0..<take]).sorted()
    }

    /// Selects queries on `frames` (the clip's grey frames, stored resolution); with
    /// `motion` (of those frames) in space and time, without it frame by frame.
    public func select(frames: [GreyImage], random: inout SeededGenerator, motion: FrameMotion? = nil) -> [Query] {
        guard !frames.isEmpty else { return [] }
        let chosen = queryFrames(length: frames.count, random: &random)
        switch configuration.mode {
        case .grid: return grid(frames: chosen, width: frames[0].width, height: frames[0].height, random: &random)
        case .sift:
            if let motion { return spaceTimeQueries(frames: frames, chosen: chosen, motion: motion) }
            return siftQueries(frames: frames, chosen: chosen)
        }
    }

    /// The chosen frames in order of time, each with its share of the queries still
    /// wanted, away from where the queries of earlier frames have moved (see the header).
    private func spaceTimeQueries(frames: [GreyImage], chosen: [Int], motion: FrameMotion) -> [Query] {
        let c = configuration
        var out: [Query] = []
        var carried: [SIMD2<Float>] = []
        var previous = chosen[0]
        for (k, t) in chosen.enumerated() where out.count < c.count {
            let image = frames[t]
            if t != previous { carried = motion.carry(carried, from: previous, to: t).compactMap { $0 } }
            previous = t
            let quota = (c.count - out.count + chosen.count - k - 1) / (chosen.count - k)
            var suppression = PointSuppression(minDistance: c.minDistance)
            var movingSuppression = PointSuppression(minDistance: c.movingMinDistance)
            for p in carried { suppression.block(p); movingSuppression.block(p) }
            let moving = c.movingMinDistance > 0
                ? MovingRegions(frame: t, count: frames.count, width: image.width, height: image.height, motion: motion,
                                threshold: c.movingThreshold) : nil
            var taken: [Query] = []
            /// Takes `query` if it is free of the suppression (the finer one on moving
            /// regions) and trackable.
            func offer(_ query: Query, onMoving: Bool) {
                let p = SIMD2(query.x, query.y)
                guard onMoving ? movingSuppression.isFree(p) : suppression.isFree(p),
                      StructureTensor.minEigenvalue(image, x: p.x, y: p.y, radius: c.trackabilityRadius) >= c.minEigenvalue else { return }
                suppression.block(p); movingSuppression.block(p)
                taken.append(query)
            }
            let keypoints = sift.detect(image).filter { inside($0.x, $0.y, image) }.sorted { $0.response > $1.response }
                .map { Query(t: t, x: $0.x, y: $0.y, sigma: $0.sigma, orientation: $0.orientation, response: $0.response, source: .sift) }
            var corners: [Query]?
            func cornerQueries() -> [Query] {
                if let corners { return corners }
                let found = ShiTomasiCorners.detect(image, blockRadius: c.cornerRadius, minEigenvalue: c.minEigenvalue, border: c.border)
                    .map { Query(t: t, x: $0.x, y: $0.y, sigma: Float(c.cornerRadius), orientation: 0, response: $0.score, source: .shiTomasi) }
                corners = found
                return found
            }
            // Moving regions first (SIFT, then corners), then the rest of the frame: SIFT
            // strongest first, then corners when SIFT gives fewer.
            if let moving, moving.movingShare > 0 {
                for q in keypoints where taken.count < quota && moving.isMoving(x: q.x, y: q.y) { offer(q, onMoving: true) }
                for q in cornerQueries() where taken.count < quota && moving.isMoving(x: q.x, y: q.y) { offer(q, onMoving: true) }
            }
            for q in keypoints where taken.count < quota { offer(q, onMoving: false) }
            if taken.count < quota {
                for q in cornerQueries() where taken.count < quota { offer(q, onMoving: false) }
            }
            out += taken
            carried += taken.map { SIMD2($0.x, $0.y) }
        }
        return out
    }

    private func siftQueries(frames: [GreyImage], chosen: [Int]) -> [Query] {
        let c = configuration
        var suppressions = [PointSuppression](repeating: PointSuppression(minDistance: c.minDistance), count: chosen.count)
        var perFrame: [[Query]] = [], descriptors: [[Float]] = []
        for (k, t) in chosen.enumerated() {
            let image = frames[t]
            let candidates = sift.detect(image)
                .filter { inside($0.x, $0.y, image) }
                .sorted { $0.response > $1.response }
            var kept: [Query] = [], keptKeypoints: [SIFTKeypoint] = []
            for keypoint in candidates {
                guard suppressions[k].isFree(SIMD2(keypoint.x, keypoint.y)) else { continue }
                let score = StructureTensor.minEigenvalue(image, x: keypoint.x, y: keypoint.y, radius: c.trackabilityRadius)
                guard score >= c.minEigenvalue else { continue }
                suppressions[k].accept(SIMD2(keypoint.x, keypoint.y))
                kept.append(Query(t: t, x: keypoint.x, y: keypoint.y, sigma: keypoint.sigma, orientation: keypoint.orientation,
                                  response: keypoint.response, source: .sift))
                keptKeypoints.append(keypoint)
            }
            perFrame.append(kept)
            descriptors.append(c.duplicateDescriptor > 0 ? sift.describe(keptKeypoints) : [])
        }
        var selected = c.duplicateDescriptor > 0 ? distinctRoundRobin(perFrame, descriptors: descriptors, limit: c.count)
                                                 : Self.roundRobin(perFrame, limit: c.count)
        if selected.count < c.count {
            var corners: [[Query]] = []
            for (k, t) in chosen.enumerated() {
                var kept: [Query] = []
                let image = frames[t]
                for corner in ShiTomasiCorners.detect(image, blockRadius: c.cornerRadius, minEigenvalue: c.minEigenvalue, border: c.border) {
                    guard suppressions[k].isFree(SIMD2(corner.x, corner.y)) else { continue }
                    let score = StructureTensor.minEigenvalue(image, x: corner.x, y: corner.y, radius: c.trackabilityRadius)
                    guard score >= c.minEigenvalue else { continue }
                    suppressions[k].accept(SIMD2(corner.x, corner.y))
                    kept.append(Query(t: t, x: corner.x, y: corner.y, sigma: Float(c.cornerRadius), orientation: 0,
                                      response: corner.score, source: .shiTomasi))
                }
                corners.append(kept)
            }
            selected += Self.roundRobin(corners, limit: c.count - selected.count)
        }
        return selected
    }

    private func inside(_ x: Float, _ y: Float, _ image: GreyImage) -> Bool {
        let b = Float(configuration.border)
        return x >= b && y >= b && x <= Float(image.width - 1) - b && y <= Float(image.height - 1) - b
    }

    /// Round robin over the frames' lists, skipping a point whose descriptor matches a chosen
    /// query of another frame nearby (the same physical point found again).
    private func distinctRoundRobin(_ lists: [[Query]], descriptors: [[Float]], limit: Int) -> [Query] {
        let length = SIFT.descriptorLength, c = configuration
        var out: [Query] = [], chosen: [(list: Int, index: Int)] = []
        var rank = 0
        func distance(_ a: (Int, Int), _ b: (Int, Int)) -> Float {
            var sum: Float = 0
            descriptors[a.0].withUnsafeBufferPointer { da in
                descriptors[b.0].withUnsafeBufferPointer { db in
                    for i in 0..<length { let d = da[a.1 * length + i] - db[b.1 * length + i]; sum += d * d }
                }
            }
            return sum.squareRoot()
        }
        while out.count < limit {
            var any = false
            for (l, list) in lists.enumerated() where rank < list.count {
                any = true
                let q = list[rank]
                let duplicate = chosen.contains { other in
                    guard other.list != l else { return false }
                    let o = lists[other.list][other.index]
                    let dx = o.x - q.x, dy = o.y - q.y
                    return dx * dx + dy * dy <= c.duplicateRadius * c.duplicateRadius
                        && distance((l, rank), (other.list, other.index)) <= c.duplicateDescriptor
                }
                if duplicate { continue }
                out.append(q); chosen.append((l, rank))
                if out.count == limit { break }
            }
            if !any { break }
            rank += 1
        }
        return out
    }

    /// Takes the best remaining point of each frame in turn, up to `limit`.
    static func roundRobin(_ lists: [[Query]], limit: Int) -> [Query] {
        var out: [Query] = []
        var rank = 0
        while out.count < limit {
            var any = false
            for list in lists where rank < list.count {
                out.append(list[rank])
                any = true
                if out.count == limit { break }
            }
            if !any { break }
            rank += 1
        }
        return out
    }

    private func grid(frames chosen: [Int], width: Int, height: Int, random: inout SeededGenerator) -> [Query] {
        let c = configuration
        let b = Float(c.border)
        let areaW = Float(width - 1) - 2 * b, areaH = Float(height - 1) - 2 * b
        guard areaW > 0, areaH > 0, c.count > 0 else { return [] }
        let columns = max(1, Int((Double(c.count) * Double(areaW) / Double(areaH)).squareRoot().rounded(.up)))
        let rows = max(1, (c.count + columns - 1) / columns)
        let cellW = areaW / Float(columns), cellH = areaH / Float(rows)
        var cells = Array(0..<(columns * rows))
        for i in stride(from: cells.count - 1, to: 0, by: -1) { cells.swapAt(i, random.int(in: 0...i)) }
        return cells.prefix(c.count).enumerated().map { k, cell in
            let jx = Float(random.unit()) - 0.5, jy = Float(random.unit()) - 0.5
            let x = b + (Float(cell % columns) + 0.5 + jx) * cellW
            let y = b + (Float(cell / columns) + 0.5 + jy) * cellH
            return Query(t: chosen[k % chosen.count], x: x, y: y, sigma: min(cellW, cellH) / 2, orientation: 0,
                         response: 0, source: .grid)
        }
    }
}
