// Upper bounds of the pipeline's numbers, by key. A pipeline YAML is often somebody
// else's (it is stored in every manifest), and a number no sane pipeline has —
// `cycle_search: 1000000000`, `decode.threads: 100000`, a 65536² crop, `weight: .inf` —
// would exhaust memory or time, or crash, far from the file that asked for it. YAMLSection
// refuses every number above its key's bound here (and every NaN or infinity), naming
// the file and the key. The bounds sit well above any useful value; they keep the
// arithmetic and the allocations the stages make from a number finite and small.

enum YAMLBounds {
    /// Integer keys (the last component of the key) and their largest accepted value.
    static let integers: [String: Int] = [
        "appearance_window": 101, "trackability_window": 101, "corner_window": 101,
        "border": 4096, "cloud_stride": 4096, "count": 100_000, "crf": 63, "cycle_search": 256,
        "flow_scale": 8, "frame_step": 1000, "min": 1000, "max": 1000, "frames": 100_000, "gap_frames": 100_000,
        "width": 16384, "height": 16384, "max_side": 16384, "knn_k": 256, "length": 10_000, "min_length": 10_000,
        "max_attempts": 100, "max_per_video": 10_000_000, "min_agreeing": 64, "min_frames": 100_000,
        "min_points": 100_000, "min_tracks": 100_000, "occlusion_gap": 100_000, "occlusion_margin": 4096,
        "occlusion_search": 4096, "size_limit": 1 << 32, "stride": 10_000_000, "threads": 256, "zstd_level": 22,
    ]
    /// Any other integer key (the seed is any 64-bit value).
    static let defaultInteger = Int(Int32.max)
    static let unboundedIntegers: Set<String> = ["seed", "version"]

    /// Real-valued keys and their largest accepted value.
    static let reals: [String: Double] = [
        "lease_seconds": 86_400, "timeout": 86_400, "startup_timeout": 86_400, "weight": 1e6,
    ]
    /// Any other real-valued key.
    static let defaultReal = 1e9

    static func integer(_ key: String) -> Int? { unboundedIntegers.contains(key) ? nil : integers[key] ?? defaultInteger }
    static func real(_ key: String) -> Double { reals[key] ?? defaultReal }
}
