// What an overlay shows of one clip: each view's frames at the stored resolution and, per
// frame and track, where the label is and what it says (seen, hidden, or removed by the
// quality stage and by which rule), the colour of each track, and the names for the
// caption. Built from a manifest (ManifestClipSource) or from a shard sample
// (ShardSampleSource); drawn by OverlayRenderer. Arrays are [T, N, ...].

import Imaging

public enum LabelState: UInt8, Sendable {
    case none = 0, visible, occluded, removed
}

public struct OverlayView: Sendable {
    public var name: String
    public var frames: [RGBImage]
    /// [T, N, 2] stored pixels.
    public var positions: [Float]
    /// [T, N].
    public var states: [LabelState]
    /// [T, N]: for a removed label, 1 + the index of its rule in OverlayClip.rules (0: unknown).
    public var removedBy: [UInt8]

    public init(name: String, frames: [RGBImage], points: Int) {
        self.name = name; self.frames = frames
        positions = [Float](repeating: .nan, count: frames.count * points * 2)
        states = [LabelState](repeating: .none, count: frames.count * points)
        removedBy = [UInt8](repeating: 0, count: frames.count * points)
    }
}

public struct OverlayClip: Sendable {
    public var views: [OverlayView]
    public var points: Int
    /// One per track, from its query (TrackColours).
    public var colours: [RGBColour]
    /// The rule names removed labels refer to.
    public var rules: [String] = []
    public var teacher: String
    public var checker: String
    /// The source frame index of each clip frame (the caption shows both).
    public var sourceFrames: [Int]

    public init(views: [OverlayView], points: Int, colours: [RGBColour], teacher: String, checker: String, sourceFrames: [Int]) {
        self.views = views; self.points = points; self.colours = colours
        self.teacher = teacher; self.checker = checker; self.sourceFrames = sourceFrames
    }

    public var frameCount: Int { views.first?.frames.count ?? 0 }

    /// Labels per state over all views and frames.
    public func count(_ state: LabelState) -> Int { views.reduce(0) { $0 + $1.states.filter { $0 == state }.count } }

    /// The one-letter code of a rule on the frame (its first letter, or a later one where
    /// two rules share it), and the legend that spells them out.
    public static func ruleLetters(_ rules: [String]) -> [Character] {
        var used = Set<Character>(), letters: [Character] = []
        for rule in rules {
            let candidates = Array(rule.uppercased().filter { $0.isLetter })
            let letter = candidates.first { !used.contains($0) } ?? "?"
            used.insert(letter); letters.append(letter)
        }
        return letters
    }
}

public enum OverlayError: Error, CustomStringConvertible {
    case input(String)
    public var description: String { switch self { case .input(let m): return m } }
}
