// Keeps the shared copy of a partition's manifest current while the partition runs: a
// thread looks at the manifest twice a second and publishes a copy (ManifestBackup) as
// soon as a shard has been sealed since the last one, or, when only other work was
// recorded (clips skipped or failed), at most once a minute; `finish` publishes the last
// one. A seal between two copies is safe: a task restored from the older copy removes
// that shard's file and labels its clips again (ManifestRestore).

import Foundation
import GRDB
import Manifest

public final class ManifestCopier: @unchecked Sendable {
    public let manifest: ManifestDatabase
    public let destination: String
    public var pollInterval: TimeInterval = 0.5
    public var otherChangesInterval: TimeInterval = 60
    /// Copies published, and the last error (a copy that failed is tried again).
    public private(set) var published = 0
    public private(set) var lastError: String?

    private let condition = NSCondition()
    private var stopping = false
    private var thread: Thread?

    public init(manifest: ManifestDatabase, destination: String) {
        self.manifest = manifest; self.destination = destination
    }

    /// Publishes a copy now.
    public func publish() throws {
        try manifest.publishCopy(to: destination)
        condition.lock(); published += 1; condition.unlock()
    }

    public func start() {
        let thread = Thread { [self] in watch() }
        thread.name = "manifest-copier"
        self.thread = thread
        thread.start()
    }

    /// Stops watching and publishes the final copy.
    public func finish() throws {
        condition.lock(); stopping = true; condition.signal(); condition.unlock()
        while thread?.isFinished == false { usleep(10_000) }
        try publish()
    }

    private func watch() {
        var lastShards = (try? sealedShards()) ?? -1
        var lastVersion = (try? dataVersion()) ?? -1
        var lastCopy = Date()
        while true {
            condition.lock()
            if !stopping { _ = condition.wait(until: Date().addingTimeInterval(pollInterval)) }
            let stop = stopping
            condition.unlock()
            if stop { return }
            guard let shards = try? sealedShards(), let version = try? dataVersion() else { continue }
            let due = shards != lastShards || (version != lastVersion && Date().timeIntervalSince(lastCopy) >= otherChangesInterval)
            guard due else { continue }
            do {
                try publish()
                lastShards = shards; lastVersion = version; lastCopy = Date(); lastError = nil
            } catch { lastError = "\(error)" }
        }
    }

    private func sealedShards() throws -> Int {
        try manifest.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shards") ?? 0 }
    }

    /// Tasks that ended: changes when work other than sealing was recorded. Read from the
    /// status counters (a few rows), not counted over the tasks twice a second.
    private func dataVersion() throws -> Int {
        try manifest.statusCounts().tasksByStage.values.reduce(0) { $0 + ($1["done"] ?? 0) + ($1["failed"] ?? 0) + ($1["skipped"] ?? 0) }
    }
}
