/// The built-in `issuer` suite (`paylab certify issuer --print-cases` prints it).
enum IssuerSuite {
    static let yaml = #"""
# The issuer certification suite: PayLab plays the scheme and dials the issuer's host.
# Cases are data (docs/certification.md); copy this file (paylab certify issuer --print-cases),
# change it, and run it with --cases.
suite: issuer
version: "1.0"
role: issuer

# The cards the host must load (paylab certify issuer --cards prints them as JSON).
cards:
  - { name: approved, pan: "6222021000000001", expiry: "2812", balance: "500.00" }
  - { name: funds,    pan: "6222021000000002", expiry: "2812", balance: "100.00" }
  - { name: expired,  pan: "6222021000000003", expiry: "2401", balance: "500.00" }
  - { name: lost,     pan: "6222021000000004", expiry: "2812", balance: "500.00", status: lost }
  - { name: frozen,   pan: "6222021000000005", expiry: "2812", balance: "500.00", status: frozen }
  - { name: limited,  pan: "6222021000000006", expiry: "2812", balance: "5000.00", daily_limit: "100.00" }
  - { name: reversal, pan: "6222021000000007", expiry: "2812", balance: "300.00" }
  - { name: repeat,   pan: "6222021000000008", expiry: "2812", balance: "500.00" }
  - { name: void,     pan: "6222021000000009", expiry: "2812", balance: "500.00" }
  - { name: advice,   pan: "6222021000000010", expiry: "2812", balance: "500.00" }
  - { name: unknown,  pan: "6222021999999999", expiry: "2812", balance: "0.00", loaded: false }
  - { name: pinned,   pan: "6222021000000011", expiry: "2812", balance: "500.00", pin: "123456" }
  - { name: pinlock,  pan: "6222021000000012", expiry: "2812", balance: "500.00", pin: "123456", pin_tries: 3 }

# Every answer of these MTIs must carry these fields.
answer_rules:
  "0210": { 2: echo_if_present, 3: echo, 4: echo, 7: echo, 11: echo, 12: echo, 13: echo, 32: echo, 37: echo, 41: echo, 42: echo, 49: echo, 39: present }
  "0230": { 2: echo_if_present, 3: echo, 4: echo, 7: echo, 11: echo, 12: echo, 13: echo, 32: echo, 37: echo, 41: echo, 42: echo, 49: echo, 39: present }
  "0430": { 2: echo_if_present, 3: echo, 4: echo, 7: echo, 11: echo, 12: echo, 13: echo, 32: echo, 37: echo, 41: echo, 42: echo, 49: echo, 39: present }
  "0810": { 7: echo, 11: echo, 70: echo, 39: present }

# Every approval of these MTIs must carry these fields.
approval_rules:
  "0210": { 38: present }

cases:
  - id: ISS-001
    name: "Sign-on: 0800 with DE70 001 is answered 0810 00"
    steps:
      - send: "0800"
        fields: { 7: "${now.de7}", 11: "${stan}", 70: "001" }
        rules: { 39: "00" }
  - id: ISS-002
    name: "Echo test: 0800 with DE70 301 is answered 0810 00"
    steps:
      - send: "0800"
        fields: { 7: "${now.de7}", 11: "${stan}", 70: "301" }
        rules: { 39: "00" }
  - id: ISS-010
    name: "Purchase approved, with DE38 and every echoed field"
    steps:
      - send: "0200"
        fields: { 2: "${card.approved.pan}", 3: "000000", 4: "${amount.100.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.approved.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "00", 38: { matches: "[0-9A-Za-z ]{6}" } }
  - id: ISS-011
    name: "Purchase declined for funds: 51"
    steps:
      - send: "0200"
        fields: { 2: "${card.funds.pan}", 3: "000000", 4: "${amount.120.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.funds.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "51" }
  - id: ISS-012
    name: "Purchase with an expired card: 54"
    steps:
      - send: "0200"
        fields: { 2: "${card.expired.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.expired.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "54" }
  - id: ISS-013
    name: "Purchase with a lost card: 41"
    steps:
      - send: "0200"
        fields: { 2: "${card.lost.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.lost.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "41" }
  - id: ISS-014
    name: "Purchase with a frozen card: 62"
    steps:
      - send: "0200"
        fields: { 2: "${card.frozen.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.frozen.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "62" }
  - id: ISS-015
    name: "Purchase with a card number the issuer does not know: 14"
    steps:
      - send: "0200"
        fields: { 2: "${card.unknown.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.unknown.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "14" }
  - id: ISS-016
    name: "Purchase of zero: 13"
    steps:
      - send: "0200"
        fields: { 2: "${card.approved.pan}", 3: "000000", 4: "000000000000", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.approved.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "13" }
  - id: ISS-017
    name: "Purchase over the card's daily limit: 61"
    steps:
      - send: "0200"
        fields: { 2: "${card.limited.pan}", 3: "000000", 4: "${amount.150.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.limited.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "61" }
  - id: ISS-020
    name: "Reversal of an approved purchase: 00, and the funds come back (the full balance is approved again)"
    steps:
      - send: "0200"
        fields: { 2: "${card.reversal.pan}", 3: "000000", 4: "${card.reversal.balance}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.reversal.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "00" }
      - send: "0420"
        like: 1
        fields: { 7: "${now.de7}", 11: "${stan}", 90: "${original.1}" }
        rules: { 39: "00" }
      - send: "0200"
        fields: { 2: "${card.reversal.pan}", 3: "000000", 4: "${card.reversal.balance}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.reversal.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "00" }
  - id: ISS-021
    name: "Reversal of a purchase the issuer never saw: 25, or 00 (networks differ; nothing moves either way)"
    steps:
      - send: "0420"
        fields: { 2: "${card.approved.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.approved.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156", 90: "0200999999${now.de7}0004802000000000000000" }
        rules: { 39: { one_of: ["25", "00"] } }
  - id: ISS-022
    name: "A repeated reversal (0421) is answered as the first was"
    steps:
      - send: "0200"
        fields: { 2: "${card.repeat.pan}", 3: "000000", 4: "${amount.50.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.repeat.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "00" }
      - send: "0420"
        like: 1
        fields: { 7: "${now.de7}", 11: "${stan}", 90: "${original.1}" }
        rules: { 39: "00" }
        capture: { first: 39 }
      - send: "0421"
        like: 2
        rules: { 39: "${captured.first}" }
  - id: ISS-030
    name: "Void of an approved purchase: 00"
    requires: [void]
    steps:
      - send: "0200"
        fields: { 2: "${card.void.pan}", 3: "000000", 4: "${amount.80.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.void.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "00" }
      - send: "0200"
        like: 1
        fields: { 3: "200000", 7: "${now.de7}", 11: "${stan}", 38: "${received.1.38}", 90: "${original.1}" }
        rules: { 39: "00", 38: echo_if_present }
  - id: ISS-040
    name: "Advice (0220) of a stand-in approval: 0230 00, applied once"
    requires: [stand_in]
    steps:
      - send: "0220"
        fields: { 2: "${card.advice.pan}", 3: "000000", 4: "${amount.60.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.advice.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156", 38: "S00001", 39: "00" }
        rules: { 39: "00" }
      - send: "0221"
        like: 1
        rules: { 39: "00" }
  - id: ISS-050
    name: "Purchase with the right PIN (DE22 021, DE52 under the ZPK, DE53): 00"
    requires: [pin]
    steps:
      - send: "0200"
        fields: { 2: "${card.pinned.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.pinned.expiry}", 18: "5411", 22: "021", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156", 26: "12", 52: "${pinblock.pinned.123456}", 53: "2600000000000000" }
        rules: { 39: "00" }
  - id: ISS-051
    name: "Purchase with a wrong PIN: 55"
    requires: [pin]
    steps:
      - send: "0200"
        fields: { 2: "${card.pinned.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.pinned.expiry}", 18: "5411", 22: "021", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156", 26: "12", 52: "${pinblock.pinned.654321}", 53: "2600000000000000" }
        rules: { 39: "55" }
  - id: ISS-052
    name: "Purchase without a PIN on a card that needs one: 55"
    requires: [pin]
    steps:
      - send: "0200"
        fields: { 2: "${card.pinned.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.pinned.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "55" }
  - id: ISS-053
    name: "The third wrong PIN of the day: 75, and the right PIN after it the same day: 75"
    requires: [pin]
    steps:
      - send: "0200"
        fields: { 2: "${card.pinlock.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.pinlock.expiry}", 18: "5411", 22: "021", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156", 26: "12", 52: "${pinblock.pinlock.111111}", 53: "2600000000000000" }
        rules: { 39: "55" }
      - send: "0200"
        fields: { 2: "${card.pinlock.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.pinlock.expiry}", 18: "5411", 22: "021", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156", 26: "12", 52: "${pinblock.pinlock.222222}", 53: "2600000000000000" }
        rules: { 39: "55" }
      - send: "0200"
        fields: { 2: "${card.pinlock.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.pinlock.expiry}", 18: "5411", 22: "021", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156", 26: "12", 52: "${pinblock.pinlock.333333}", 53: "2600000000000000" }
        rules: { 39: "75" }
      - send: "0200"
        fields: { 2: "${card.pinlock.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.pinlock.expiry}", 18: "5411", 22: "021", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156", 26: "12", 52: "${pinblock.pinlock.123456}", 53: "2600000000000000" }
        rules: { 39: "75" }
  - id: ISS-060
    name: "A purchase whose MAC does not verify under the ZAK: A0 (and no MAC on the A0)"
    requires: [mac]
    steps:
      - send: "0200"
        mac: bad
        fields: { 2: "${card.approved.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.approved.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "A0", 64: absent }
  - id: ISS-061
    name: "An approval carries a MAC that verifies under the ZAK"
    requires: [mac]
    steps:
      - send: "0200"
        fields: { 2: "${card.approved.pan}", 3: "000000", 4: "${amount.10.00}", 7: "${now.de7}", 11: "${stan}", 12: "${now.de12}", 13: "${now.de13}", 14: "${card.approved.expiry}", 18: "5411", 22: "022", 25: "00", 32: "48020000", 37: "${rrn}", 41: "T0000001", 42: "898440354110001", 49: "156" }
        rules: { 39: "00", 64: present }
  - id: ISS-099
    name: "Sign-off: 0800 with DE70 002 is answered 0810 00"
    steps:
      - send: "0800"
        fields: { 7: "${now.de7}", 11: "${stan}", 70: "002" }
        rules: { 39: "00" }
"""#
}
