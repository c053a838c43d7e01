// swift-tools-version:6.0
// PseudoTrack: a data engine that turns real video corpora into pseudo-labelled
// point-tracking training data. Modules, bottom to top:
//   CFFmpeg, CZstd, COpenBLAS,     system libraries found with pkg-config
//   CCrypto; CPlatform             statfs, cpuid, the parent-death signal
//   Seeding                        deterministic random numbers derived from names
//   ImagingKernels(AVX2)           filter and Lucas–Kanade window loops, compiled for SSE2 and for AVX2
//   Imaging                        image buffers and per-pixel kernels
//   VideoIO                        the one module that talks to FFmpeg (probe, decode, encode)
//   Synthetic                      videos with known content (tests, demo without samples)
//   Features                       SIFT keypoints and descriptors, corner scores
//   Teachers                       point trackers that make the pseudo-labels
//   Geometry                       calibrated cameras, depth, fused clouds, multi-view 3D tracks
//   Evaluation                     TAP-Vid metrics against exact ground truth
//   Compression                    zstd for manifest artifacts and shards
//   ArrayFiles                     NumPy .npy/.npz files
//   Checksums                      SHA-256/SHA-1 digests (libcrypto)
//   Manifest                       the SQLite manifest: schema, leases, artifacts, sealed shards
//   Shards                         MDS training shards: encoding, writing, reading back
//   Pipeline                       pipeline definitions, ingest, stages and the stage runner
//   Cluster                        a corpus split into partitions across cluster tasks: partition keys, manifest copies and restores, the merged index
//   PseudoTrackCLI                 the `pseudotrack` command
import PackageDescription

let package = Package(
    name: "PseudoTrack",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pseudotrack", targets: ["PseudoTrackCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat libavcodec libavutil libswscale",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CPlatform"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas lapacke",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        .target(name: "ImagingKernels"),
        .target(name: "ImagingKernelsAVX2", swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"])]),
        .target(name: "Imaging", dependencies: ["ImagingKernels", "ImagingKernelsAVX2", "CPlatform"]),
        .target(name: "VideoIO", dependencies: ["CFFmpeg", "Imaging"]),
        .target(name: "Seeding"),
        .target(name: "Features", dependencies: ["Imaging", "Seeding"]),
        .target(name: "Teachers", dependencies: ["Imaging", "Features", "ImagingKernels", "ImagingKernelsAVX2"],
                // Square roots that do not set errno, so that SIMD vectors' are vectorised.
                swiftSettings: [.unsafeFlags(["-Xcc", "-fno-math-errno"])]),
        .target(name: "Geometry", dependencies: ["COpenBLAS"]),
        .target(name: "Evaluation"),
        .target(name: "Synthetic", dependencies: ["Imaging", "VideoIO", "Geometry"]),
        .target(name: "Compression", dependencies: ["CZstd"]),
        .target(name: "ArrayFiles", dependencies: ["CZlib"]),
        .target(name: "Checksums", dependencies: ["CCrypto"]),
        .target(name: "Manifest",
                dependencies: ["Compression", "Checksums", "CPlatform", .product(name: "GRDB", package: "GRDB.swift")],
                resources: [.process("migrations")]),
        .target(name: "Shards", dependencies: ["Compression", "Checksums"]),
        .target(name: "Pipeline",
                dependencies: ["Imaging", "VideoIO", "Features", "Teachers", "Geometry", "Seeding", "Manifest", "Compression", "Shards",
                               "ArrayFiles", "Yams",
                               .product(name: "Logging", package: "swift-log")],
                resources: [.process("Resources/Pipelines")]),
        .target(name: "Cluster",
                dependencies: ["Manifest", "Shards", "Checksums", .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(name: "PseudoTrackCLI",
                          dependencies: ["Pipeline", "Cluster", "Manifest", "Shards", "VideoIO", "Imaging", "Synthetic", "Features", "Teachers", "CPlatform",
                                         "Evaluation", "ArrayFiles",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "Logging", package: "swift-log")]),

        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "FeaturesTests", dependencies: ["Features", "Imaging", "Seeding", "Synthetic"]),
        .testTarget(name: "TeachersTests", dependencies: ["Teachers", "Imaging", "Synthetic", "Evaluation"]),
        .testTarget(name: "GeometryTests", dependencies: ["Geometry", "Synthetic"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "ArrayFiles"]),
        .testTarget(name: "VideoIOTests", dependencies: ["VideoIO", "Imaging", "Synthetic"]),
        .testTarget(name: "ManifestTests", dependencies: ["Manifest", "Compression", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ShardsTests", dependencies: ["Shards", "Compression", "Checksums"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Manifest", "Shards", "VideoIO", "Imaging", "Synthetic", "Seeding", .product(name: "GRDB", package: "GRDB.swift")]),
        // Seeded mutation fuzzing of the parsers of outside data (a fixed number of iterations per run).
        .testTarget(name: "FuzzTests", dependencies: ["Pipeline", "ArrayFiles", "Shards"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Manifest", "Shards", "Checksums", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "CLITests", dependencies: ["PseudoTrackCLI", "Manifest", "VideoIO", "Synthetic", .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v5]
)
