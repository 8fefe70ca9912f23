import Testing
@testable import Capture

@Suite("libpcap")
struct PcapLibraryTests {
    @Test("the system libpcap is linked and reports its version")
    func version() {
        #expect(PcapLibrary.version.hasPrefix("libpcap version"))
    }
}
