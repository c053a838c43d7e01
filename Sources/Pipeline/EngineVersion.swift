/// The engine's version, recorded in every run and (later) in every shard's metadata.
public enum EngineVersion {
    public static let string = "0.1.0"
}
