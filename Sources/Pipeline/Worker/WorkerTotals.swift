// What one worker did: the counters StageRunner.run returns and adds to the run's row.

/// What one worker did.
public struct WorkerTotals: Sendable {
    public var clipsFinished = 0
    public var clipsSkipped = 0
    public var tasksFailed = 0
    public var framesDecoded = 0
}
