/// The built-in `acquirer` suite (`paylab certify acquirer --print-cases` prints it).
enum AcquirerSuite {
    static let yaml = #"""
# The acquirer certification suite: PayLab plays the terminal (it dials the acquirer under
# test), the scheme and the merchant's bank (the acquirer dials them: --scheme-listen,
# --bank-listen). Configure the acquirer with the test merchant 898440354110001 (terminal
# T0000001, account 6214830000000001, fee 0.6%, paid at once: D+0 or T+0 in the day).
suite: acquirer
version: "1.0"
role: acquirer

cards:
  - { name: approved, pan: "6222021000000001", expiry: "2812", balance: "500.00" }

answer_rules:
  "0210": { 4: echo, 11: echo, 41: echo, 42: echo, 39: present }
  "0810": { 11: echo, 70: echo, 39: present }

cases:
  - id: ACQ-001
    name: "The terminal's sign-on (0800, DE70 001) is answered 0810 00"
    steps:
      - send: "0800"
        fields: { 7: "${now.de7}", 11: "${stan}", 41: "T0000001", 70: "001" }
        rules: { 39: "00" }
  - id: ACQ-002
    name: "A sign-on asking for double-length keys (DE60.3 003) gets them under the terminal's TMK in DE62, their check values agreeing"
    requires: [keys]
    steps:
      - send: "0800"
        fields: { 7: "${now.de7}", 11: "${stan}", 41: "T0000001", 42: "898440354110001", 60: "00000000003", 70: "001" }
        rules: { 39: "00", 62: present }
  - id: ACQ-010
    name: "A purchase is forwarded to the scheme with the acquirer's DE32, DE18, DE37 and its own STAN, and the approval returned"
    steps:
      - send: "0200"
        fields: { 2: "${card.approved.pan}", 3: "000000", 4: "${amount.20.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.approved.expiry}", 22: "022", 25: "00", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "00" }
        observe:
          - { link: scheme, mti: "0200", rules: { 2: echo, 3: echo, 4: echo, 41: echo, 42: echo, 49: echo, 32: present, 18: { matches: "[0-9]{4}" }, 37: { matches: "[0-9A-Za-z ]{12}" }, 11: { matches: "[0-9]{6}" } } }
  - id: ACQ-011
    name: "The scheme's decline reaches the terminal: 51"
    steps:
      - send: "0200"
        fields: { 2: "${card.approved.pan}", 3: "000000", 4: "${amount.30.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.approved.expiry}", 22: "022", 25: "00", 41: "T0000001", 42: "898440354110001", 49: "156" }
        scheme: "51"
        rules: { 39: "51" }
  - id: ACQ-020
    name: "The scheme does not answer: the acquirer declines the terminal and reverses at the scheme (0420)"
    steps:
      - send: "0200"
        fields: { 2: "${card.approved.pan}", 3: "000000", 4: "${amount.40.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.approved.expiry}", 22: "022", 25: "00", 41: "T0000001", 42: "898440354110001", 49: "156" }
        scheme: silent
        within: 90s
        rules: { 39: declined }
        observe:
          - { link: scheme, mti: "0200", rules: { 4: echo, 41: echo } }
          - { link: scheme, mti: "0420", within: 90s, rules: { 4: echo, 41: echo, 90: { matches: "0200[0-9]{38}" } } }
  - id: ACQ-030
    name: "A terminal's repeated request is answered, and not forwarded twice"
    steps:
      - send: "0200"
        fields: { 2: "${card.approved.pan}", 3: "000000", 4: "${amount.50.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.approved.expiry}", 22: "022", 25: "00", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "00" }
        observe:
          - { link: scheme, mti: "0200", rules: { 4: echo, 41: echo } }
      - send: "0200"
        like: 1
        rules: { 39: { one_of: ["00", "94"] } }
        observe:
          - { link: scheme, mti: "0200", within: 2s, none: true }
  - id: ACQ-040
    name: "The merchant is paid the amount after the fee (100.00 less 0.6%), to its account"
    steps:
      - send: "0200"
        fields: { 2: "${card.approved.pan}", 3: "000000", 4: "${amount.100.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.approved.expiry}", 22: "022", 25: "00", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "00" }
        observe:
          - { link: bank, mti: "0200", within: 30s, rules: { 3: { matches: "28[0-9]{4}" }, 4: "${amount.99.40}", 103: "6214830000000001" } }
  - id: ACQ-050
    name: "A purchase MACed under the MAK with its PIN under the PIK: approved with a MAC; the scheme gets the PIN block under the ZPK and a MAC under the ZAK"
    requires: [keys, pin, mac]
    steps:
      - send: "0200"
        fields: { 2: "${card.approved.pan}", 3: "000000", 4: "${amount.15.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.approved.expiry}", 22: "021", 25: "00", 41: "T0000001", 42: "898440354110001", 49: "156", 26: "12", 52: "${pinblock.approved.1234}", 53: "2600000000000000" }
        rules: { 39: "00" }
        observe:
          - { link: scheme, mti: "0200", rules: { 52: { pin: "1234" }, 64: present, 22: "021" } }
  - id: ACQ-051
    name: "A purchase whose MAC does not verify under the MAK: A0, and nothing forwarded"
    requires: [keys]
    steps:
      - send: "0200"
        mac: bad
        fields: { 2: "${card.approved.pan}", 3: "000000", 4: "${amount.16.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.approved.expiry}", 22: "022", 25: "00", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "A0" }
        observe:
          - { link: scheme, mti: "0200", within: 2s, none: true }
"""#
}
