// The error of a pipeline definition or of the outside input it is given: the file and what is wrong.

public enum PipelineError: Error, CustomStringConvertible, Equatable {
    case invalid(path: String, message: String)
    public var description: String {
        switch self { case .invalid(let path, let message): return "\(path): \(message)" }
    }
}
