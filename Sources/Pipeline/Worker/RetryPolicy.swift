// Which errors of a stage the worker gives another attempt (up to the pipeline's
// `run.max_attempts`): only those that can pass on retry. An external teacher that did
// not start, died or hung (its process may run next time), and a database busy, locked,
// out of space or failing I/O (ManifestDatabase.mayPassOnRetry). Everything else is
// deterministic, since a stage is a deterministic function of the clip: a clip's bad
// data (VideoError, cause `input`), a malformed artifact (StageError, TensorBundleError),
// a rig without what its tracker needs (LabellingError), an external teacher refusing the
// clip, or a bug; retrying those would only repeat them `max_attempts` times.

import Manifest
import Teachers
import VideoIO

enum RetryPolicy {
    /// Whether `error` may pass on another attempt of the same task.
    static func mayPassOnRetry(_ error: Error) -> Bool {
        if let error = error as? ExternalTeacherError {
            switch error {
            case .startup, .broken: return true
            case .refused: return false
            }
        }
        return ManifestDatabase.mayPassOnRetry(error)
    }

    /// What a task that ends failed with `error` records as its cause.
    static func cause(_ error: Error) -> FailureCause { error is VideoError ? .input : .error }
}
