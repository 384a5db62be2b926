/// The tool version written into emitted files and metadata.
public enum MoteVersion {
    public static let string = "0.1.0"
}
