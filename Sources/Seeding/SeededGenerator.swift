// Deterministic random numbers for everything a pipeline draws (frame steps, query frames,
// the teacher of a clip). SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom
// number generators", OOPSLA 2014): tiny, fast, and the same on every platform and Swift
// version, which Swift's own generators do not promise. Seeds are derived by hashing the
// run seed with names (video hash, clip index, stage), so a clip's draws depend only on
// (pipeline, seed, clip), never on which worker ran it or when.

public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for `parts` under `seed`: e.g. (runSeed, videoSha256, "clips").
    public init(seed: Int64, _ parts: String...) {
        var h = UInt64(bitPattern: seed) ^ 0x9E37_79B9_7F4A_7C15
        for part in parts {
            h = SeededGenerator.mix(h ^ SeededGenerator.fnv1a(part))
        }
        state = h
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SeededGenerator.mix(state)
    }

    /// A uniform integer in `range`, by rejection (Swift's own `random(in:using:)` does not
    /// promise the same draws across versions).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }
        let limit = UInt64.max - UInt64.max % span
        while true {
            let v = next()
            if v < limit { return range.lowerBound + Int(v % span) }
        }
    }

    /// A uniform Double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// A value derived from `parts` under `seed`, as a non-negative Int64 (a clip's seed).
    public static func derive(seed: Int64, _ parts: String...) -> Int64 {
        var h = UInt64(bitPattern: seed) ^ 0x9E37_79B9_7F4A_7C15
        for part in parts { h = mix(h ^ fnv1a(part)) }
        return Int64(bitPattern: h & 0x7FFF_FFFF_FFFF_FFFF)
    }
}
