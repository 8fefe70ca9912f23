import CPcap

/// The system's libpcap, linked through the `CPcap` system library target.
public enum PcapLibrary {
    /// The version string libpcap reports (`libpcap version 1.10.3 ...`).
    public static var version: String {
        String(cString: pcap_lib_version())
    }
}
