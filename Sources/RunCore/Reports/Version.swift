/// Which PayLab made a report: `paylab --version` prints it, and the JSON and JUnit reports
/// and the certification evidence carry it, so a result can be traced to the build.
public enum PayLabVersion {
    public static let current = "0.32.0"
}
