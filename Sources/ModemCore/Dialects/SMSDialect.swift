// How a vendor family wants SMS set up (27.005 in PDU mode), as data: the message storage,
// the +CNMI indication modes to try, whether to ask for +CSMS phase 2+ acknowledgement, and
// vendor extras. The exchange itself (SMSTransfer.swift, SMSSubmission.swift) is shared.

public struct SMSDialect: Sendable, Equatable {
    /// The storage every message goes to and is read, listed and deleted from: `<mem1>`,
    /// `<mem2>` and `<mem3>` of `AT+CPMS` all set to it. All three, because a modem with only
    /// the first set received nothing (sms-ussd.md 4.3, luci-app-sms-tool-js#42). One
    /// storage keeps every slot in one place; only status reports announced in another
    /// storage (`+CDSI: "SR",n`) make the machine switch `<mem1>` for a moment.
    public var storage: String
    /// `AT+CSMS=<service>` to send; nil leaves the power-on service 0, where the modem
    /// acknowledges `+CMT`/`+CDS` to the network itself. With 1 (phase 2+) the TE must send
    /// `AT+CNMA` for each one (27.005 3.4.4), so a message the gateway never saw is not
    /// acknowledged and the network delivers it again.
    public var service: Int?
    /// `AT+CNMI` lines, tried in order until one is accepted (ModemManager tries three,
    /// sms-ussd.md 4.1): firmwares advertise modes they then refuse.
    public var indicationCommands: [String]
    /// Vendor lines sent after the standard set-up (URCs for storage full); failures are
    /// tolerated like every optional step.
    public var extraCommands: [String] = []

    public init(storage: String, service: Int? = nil, indicationCommands: [String], extraCommands: [String] = []) {
        self.storage = storage
        self.service = service
        self.indicationCommands = indicationCommands
        self.extraCommands = extraCommands
    }

    /// The set-up lines in order, for documentation and tests (the machine sends them so).
    public var setupCommands: [String] {
        var lines = ["AT+CMGF=0"]
        if let service { lines.append("AT+CSMS=\(service)") }
        lines.append(storageCommand)
        lines += extraCommands
        if let first = indicationCommands.first { lines.append(first) }
        return lines
    }

    var storageCommand: String { "AT+CPMS=\"\(storage)\",\"\(storage)\",\"\(storage)\"" }

    /// Any 27.007/27.005 modem: SIM storage, store-and-notify for messages (`mt=1`, `+CMTI`)
    /// and reports (`ds=2`, `+CDSI`), falling back to direct reports and then none, the
    /// order ModemManager uses ("many Qualcomm-based devices don't support <ds> of 1").
    public static let generic = SMSDialect(
        storage: "SM",
        indicationCommands: ["AT+CNMI=2,1,0,2,0", "AT+CNMI=2,1,0,1,0", "AT+CNMI=2,1,0,0,0", "AT+CNMI=1,1,0,0,0"])

    /// Huawei: chan_dongle's set-up (`CPMS="SM"`, `CNMI=2,1,0,2,0`, at-dialects.md 2.2, 2.9);
    /// no +CSMS: oFono disables +CNMA for Huawei. Storage full arrives as `^SMMEMFULL`
    /// unasked. oFono saw mode 2 refused on some firmwares, hence mode 1 as the fallback.
    public static let huawei = SMSDialect(
        storage: "SM",
        indicationCommands: ["AT+CNMI=2,1,0,2,0", "AT+CNMI=1,1,0,2,0", "AT+CNMI=1,1,0,0,0"])

    /// Quectel: the module's own memory ("ME", 255 slots on EC25 against a SIM's 20-50) and
    /// status reports routed directly (`ds=1`, `+CDS`), because EC25/EG25 store reports in
    /// "SR" but announce them as `+CDSI: "SM",<n>` (sms-ussd.md 4.3, chan_quectel#75). Phase
    /// 2+ so a `+CDS` we did not take is delivered again. `+QIND: "smsfull",<mem>` is off by
    /// default and turned on here (EC25 manual, AT+QINDCFG).
    public static let quectel = SMSDialect(
        storage: "ME",
        service: 1,
        indicationCommands: ["AT+CNMI=2,1,0,1,0", "AT+CNMI=2,1,0,2,0", "AT+CNMI=2,1,0,0,0"],
        extraCommands: ["AT+QINDCFG=\"smsfull\",1"])

    /// SIMCom: SIM storage (SIM800 has little else), reports routed directly because SIM7600
    /// announces `+CDSI: "SR",8` and then refuses to read it with +CMS ERROR: 321
    /// (python-gsmmodem#106); mode 1 as fallback (oFono: SIMCom refuses mode 2 on some
    /// firmware). Service 0: the module acknowledges what it routes to us.
    public static let simcom = SMSDialect(
        storage: "SM",
        indicationCommands: ["AT+CNMI=2,1,0,1,0", "AT+CNMI=1,1,0,1,0", "AT+CNMI=2,1,0,0,0"])
}
