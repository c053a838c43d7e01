// `pseudotrack report`: a static HTML report of a manifest (Report.ReportSite).

import ArgumentParser
import Foundation
import Manifest
import Report

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a static HTML report of a manifest: plots, a gallery of overlays, clip pages.",
        discussion: """
        Open REPORT_DIR/index.html in a browser, from disk: no server, no network. The \
        gallery shows a sample of the labelled clips (the same at every build) as small \
        looping overlay videos, each linking to its clip's page; every clip is listed in \
        pages of --page-size. Only the gallery's clips are decoded, so a manifest of \
        100,000 clips builds in seconds.
        """)

    @OptionGroup var manifestOptions: ManifestOptions
    @Option(help: "The run's shard directory (the --out of `pseudotrack run`), when it has moved since the run: sealed clips are drawn from their shard samples.") var out: String?
    @Option(help: "The directory to write the report into (created if needed).") var to: String
    @Option(help: "Clips in the gallery.") var gallery: Int = 24
    @Option(help: "Clips per page of the clip table.") var pageSize: Int = 1000
    @Option(help: "Longer side of the gallery's videos, pixels.") var videoSide: Int = 384

    func validate() throws {
        guard gallery >= 0 && gallery <= 1000 else { throw ValidationError("--gallery must be in 0...1000") }
        guard pageSize >= 1 else { throw ValidationError("--page-size must be at least 1") }
        guard videoSide >= 64 else { throw ValidationError("--video-side must be at least 64") }
    }

    func run() throws {
        let started = Date()
        let manifest = try manifestOptions.open(readOnly: true)
        var options = ReportOptions()
        options.galleryCount = gallery
        options.pageSize = pageSize
        options.videoSide = videoSide
        options.shardDirectory = out
        let summary = try ReportSite(manifest: manifest, options: options).build(to: to)
        for error in summary.galleryErrors { FileHandle.standardError.write(Data("warning: \(error)\n".utf8)) }
        let index = URL(fileURLWithPath: to).appendingPathComponent("index.html").standardizedFileURL
        print(String(format: "report: %d clips, %d gallery videos (%d could not be drawn), %d table page(s), built in %.1f s "
                     + "(manifest %.1f s, gallery %.1f s, pages %.1f s)", summary.clips, summary.gallery - summary.galleryFailed,
                     summary.galleryFailed, summary.pages, Date().timeIntervalSince(started), summary.secondsReading,
                     summary.secondsGallery, summary.secondsWriting))
        print("open it in a browser: \(index.absoluteString)")
    }
}
