// swift-tools-version:6.0
// PseudoTrack: a data engine that turns real video corpora into pseudo-labelled
// point-tracking training data. Modules, bottom to top (a module depends only on those on
// lines above its own; ops/check-module-layers.py checks it, and `make test` runs it):
//   CFFmpeg, CZstd, CZlib, COpenBLAS, CCrypto  system libraries found with pkg-config
//   CPlatform                      statfs, cpuid, the parent-death signal
//   Seeding                        deterministic random numbers derived from names
//   ArrayFiles                     the element types of dense arrays; NumPy .npy/.npz files
//   ImagingKernels, ImagingKernelsAVX2  filter and Lucas–Kanade window loops, compiled for SSE2 and for AVX2
//   Imaging                        image buffers and per-pixel kernels
//   VideoIO                        the one module that talks to FFmpeg (probe, decode, encode)
//   Features                       SIFT keypoints and descriptors, corner scores
//   Teachers                       point trackers that make the pseudo-labels
//   Geometry                       calibrated cameras, depth, fused clouds, multi-view 3D tracks
//   Synthetic                      videos with known content (tests, demo without samples)
//   Evaluation                     TAP-Vid metrics against exact ground truth
//   Compression                    zstd for manifest artifacts and shards
//   Checksums                      SHA-256/SHA-1 digests (libcrypto)
//   Manifest                       the SQLite manifest: schema, leases, artifacts, sealed shards
//   Shards                         MDS training shards: encoding, writing, reading back
//   Labelling                      the label rules (2D and rig filters) and the rig's multi-view tracking pass; no SQLite, no FFmpeg
//   PipelineDefinition             the pipeline YAML: its sections, the stages with the artifacts they read and write, input limits
//   Ingest                         reading videos and rigs (rig.json, depth) and recording their sources, videos and clips in the manifest
//   Pipeline                       the stages, their artifacts and samples, and the worker that runs them over the manifest
//   Cluster                        a corpus split into partitions across cluster tasks: partition keys, manifest copies and restores, the merged index
//   Overlay                        draws a clip's labels over its frames into an H.264 video (`render`)
//   Report                         builds a run's static HTML report: SVG plots, a gallery of overlays, clip pages
//   PseudoTrackCLI                 the `pseudotrack` command
// Each module has a test module named after it (the kernels are tested through ImagingTests;
// FuzzTests fuzzes the parsers of outside data across modules).
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
        .target(name: "Teachers", dependencies: ["Imaging", "Features", "ArrayFiles"],
                // Square roots that do not set errno, so that SIMD vectors' are vectorised.
                swiftSettings: [.unsafeFlags(["-Xcc", "-fno-math-errno"])]),
        .target(name: "Geometry", dependencies: ["COpenBLAS", "Seeding"]),
        .target(name: "Evaluation"),
        .target(name: "Synthetic", dependencies: ["Imaging", "VideoIO", "Geometry"]),
        .target(name: "Compression", dependencies: ["CZstd"]),
        .target(name: "ArrayFiles", dependencies: ["CZlib"]),
        .target(name: "Checksums", dependencies: ["CCrypto"]),
        .target(name: "Manifest",
                dependencies: ["Compression", "Checksums", "CPlatform", .product(name: "GRDB", package: "GRDB.swift")],
                resources: [.process("migrations")]),
        .target(name: "Shards", dependencies: ["Compression", "Checksums", "ArrayFiles"]),
        .target(name: "Labelling", dependencies: ["Imaging", "Features", "Teachers", "Geometry"]),
        .target(name: "PipelineDefinition",
                dependencies: ["VideoIO", "Features", "Teachers", "Geometry", "Checksums", "Labelling", "Yams"],
                resources: [.process("Resources/Pipelines")]),
        .target(name: "Ingest",
                dependencies: ["Seeding", "VideoIO", "Geometry", "ArrayFiles", "Checksums", "Manifest", "PipelineDefinition"]),
        .target(name: "Pipeline",
                dependencies: ["Imaging", "VideoIO", "Features", "Teachers", "Geometry", "Seeding", "Manifest", "Compression", "Shards",
                               "ArrayFiles", "Labelling", "PipelineDefinition", "Ingest",
                               .product(name: "Logging", package: "swift-log")]),
        .target(name: "Cluster",
                dependencies: ["Manifest", "Shards", "Checksums", "Pipeline", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Overlay", dependencies: ["Imaging", "VideoIO", "Manifest", "Shards", "Pipeline", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Report", dependencies: ["Overlay", "Manifest", "Pipeline", "Seeding", .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(name: "PseudoTrackCLI",
                          dependencies: ["Pipeline", "PipelineDefinition", "Ingest", "Labelling", "Cluster", "Manifest", "Shards", "VideoIO", "Imaging",
                                         "Synthetic", "Features", "Teachers", "CPlatform", "Evaluation", "ArrayFiles", "Overlay", "Report",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "Logging", package: "swift-log")]),

        .testTarget(name: "SeedingTests", dependencies: ["Seeding"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "ImagingKernels", "ImagingKernelsAVX2", "Seeding"]),
        .testTarget(name: "FeaturesTests", dependencies: ["Features", "Imaging", "Seeding", "Synthetic"]),
        .testTarget(name: "TeachersTests", dependencies: ["Teachers", "Imaging", "Synthetic", "Evaluation"]),
        .testTarget(name: "GeometryTests", dependencies: ["Geometry", "Synthetic"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "ArrayFiles"]),
        .testTarget(name: "VideoIOTests", dependencies: ["VideoIO", "Imaging", "Synthetic", "Seeding"]),
        .testTarget(name: "SyntheticTests", dependencies: ["Synthetic", "Imaging", "VideoIO", "Geometry"]),
        .testTarget(name: "CompressionTests", dependencies: ["Compression"]),
        .testTarget(name: "ArrayFilesTests", dependencies: ["ArrayFiles"]),
        .testTarget(name: "ChecksumsTests", dependencies: ["Checksums"]),
        .testTarget(name: "ManifestTests", dependencies: ["Manifest", "Compression", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ShardsTests", dependencies: ["Shards", "Compression", "Checksums", "ArrayFiles"]),
        .testTarget(name: "LabellingTests", dependencies: ["Labelling", "Imaging", "Teachers", "Synthetic"]),
        .testTarget(name: "PipelineDefinitionTests", dependencies: ["PipelineDefinition", "Features", "Teachers", "Labelling", "Yams"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "PipelineDefinition"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "PipelineDefinition", "Ingest", "Labelling", "Manifest", "Shards", "VideoIO", "Imaging",
                                                         "Synthetic", "Seeding", "Teachers", "Features", "Geometry", "ArrayFiles", "Compression",
                                                         .product(name: "GRDB", package: "GRDB.swift")]),
        // Seeded mutation fuzzing of the parsers of outside data (a fixed number of iterations per run).
        .testTarget(name: "FuzzTests", dependencies: ["Pipeline", "PipelineDefinition", "Ingest", "ArrayFiles", "Shards"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Manifest", "Shards", "Checksums", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "OverlayTests", dependencies: ["Overlay", "Imaging", "VideoIO"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Overlay", "Manifest"]),
        .testTarget(name: "CLITests", dependencies: ["PseudoTrackCLI", "Manifest", "VideoIO", "Synthetic", .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v5]
)
