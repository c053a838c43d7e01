// Builds the report of a manifest as a static site in a directory: `index.html` (the
// run's summary, the plots as inline SVG, the gallery), `clips/page-N.html` (every clip,
// `pageSize` to a page, with its state, teacher, counts and why it was skipped or failed),
// and, for each gallery clip, `clip/ID.html` (its overlay, per-rule counts, teacher and
// checker, provenance) with `media/ID.mp4` and its poster `media/ID.jpg`. Open index.html
// from disk: no server, no network, no build step. Only the gallery's clips are decoded
// and drawn (in parallel), so the build's cost grows with the clip count only through the
// manifest's queries and the table pages. A gallery clip that cannot be drawn (its source
// moved, its artifacts damaged) gets a card saying why; the rest of the site is built.
// Sealed clips whose artifacts the manifest dropped are drawn from their shard samples
// (kept labels only: removed ones show when the run kept its artifacts).

import Dispatch
import Foundation
import GRDB
import Manifest
import Overlay

public struct ReportOptions: Sendable {
    public var galleryCount = 24
    public var pageSize = 1000
    /// The longer side of the gallery's videos, pixels.
    public var videoSide = 384
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// The run's shard directory, when it is no longer where the manifest recorded it (SealedClipSource).
    public var shardDirectory: String? = nil
    public init() {}
}

public struct ReportSummary: Sendable {
    public var clips = 0, pages = 0, gallery = 0, galleryFailed = 0
    public var secondsReading = 0.0, secondsGallery = 0.0, secondsWriting = 0.0
    public var galleryErrors: [String] = []
}

public struct ReportSite {
    public let manifest: ManifestDatabase
    public let options: ReportOptions

    public init(manifest: ManifestDatabase, options: ReportOptions = .init()) {
        self.manifest = manifest; self.options = options
    }

    public func build(to directory: String) throws -> ReportSummary {
        var summary = ReportSummary()
        var clock = Date()
        func lap() -> Double { let now = Date(); defer { clock = now }; return now.timeIntervalSince(clock) }
        let data = try ReportData.read(manifest)
        summary.clips = data.clips.count
        summary.secondsReading = lap()
        let fm = FileManager.default
        for sub in ["", "clips", "clip", "media"] {
            try fm.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }

        let gallery = GallerySample.choose(data.clips, seed: data.pipelineSeed, count: options.galleryCount)
        var errors = [String?](repeating: nil, count: gallery.count)
        let lock = NSLock()
        var style = OverlayStyle()
        style.maxSide = options.videoSide
        style.showRemoved = true
        let work = { (k: Int) in
            let clip = gallery[k]
            do {
                let overlay = try SealedClipSource.load(manifest, clip: clip.id, directory: options.shardDirectory)
                try OverlayVideo.write(OverlayRenderer(clip: overlay, style: style), to: "\(directory)/media/\(clip.id).mp4",
                                       poster: "\(directory)/media/\(clip.id).jpg")
            } catch {
                lock.lock(); errors[k] = "\(error)"; lock.unlock()
            }
        }
        if options.threads > 1 {
            DispatchQueue.concurrentPerform(iterations: gallery.count, execute: work)
        } else {
            for k in gallery.indices { work(k) }
        }
        summary.gallery = gallery.count
        summary.galleryErrors = zip(gallery, errors).compactMap { clip, e in e.map { "clip \(clip.id): \($0)" } }
        summary.galleryFailed = summary.galleryErrors.count
        summary.secondsGallery = lap()

        let pipelineHash = data.status.pipelineSha256 ?? "?"
        try write(ReportPages.index(data, gallery: gallery, errors: errors, pageSize: options.pageSize), to: directory + "/index.html")
        for (k, clip) in gallery.enumerated() {
            let frames = try manifest.read { db in try String.fetchOne(db, sql: "SELECT frame_indices FROM clips WHERE id = ?", arguments: [clip.id]) } ?? "[]"
            try write(ReportPages.clip(clip, error: errors[k], frameIndices: frames, pipelineSha256: pipelineHash, manifest: manifest.path),
                      to: "\(directory)/clip/\(clip.id).html")
        }
        let pages = max(1, (data.clips.count + options.pageSize - 1) / options.pageSize)
        let inGallery = Set(gallery.map(\.id))
        for page in 1...pages {
            let rows = data.clips[min(data.clips.count, (page - 1) * options.pageSize)..<min(data.clips.count, page * options.pageSize)]
            try write(ReportPages.clipTable(rows, page: page, pages: pages, linked: inGallery), to: "\(directory)/clips/page-\(page).html")
        }
        summary.pages = pages
        summary.secondsWriting = lap()
        return summary
    }

    func write(_ text: String, to path: String) throws {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw OverlayError.input("\(path): cannot be written: \(error.localizedDescription)")
        }
    }
}
