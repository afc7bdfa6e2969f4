// OperatorMapping: joins the names each numbering source uses for an operator to its
// MCC-MNC (numbering.md §0.1, §4.4, §7, §8).
//
// The registry names operators by legal entity (keyed by ИНН, never by spelling: the DEF
// file has 87 spellings for 73 ИНН), libphonenumber by carrier brand per country, the БДПН
// by OwnerId. Built-in defaults cover RU and UA (plus the main BY/KZ networks); config
// entries override them by MCC-MNC.

/// One operator's identities across the sources.
public struct OperatorMappingEntry: Sendable, Codable, Hashable {
    /// Display name ("MTS", "Kyivstar").
    public var name: String
    public var network: MCCMNC
    /// Further MCC-MNCs of the same network (Kyivstar 255-02 beside 255-03): on-net with it.
    public var otherNetworks: [MCCMNC]
    /// Registry ИНН (Минцифры DEF file, column 8).
    public var inns: [String]
    /// БДПН OwnerId codes (mMTS …); informational, the MNP rows carry the MNC themselves.
    public var bdpnOwnerIds: [String]
    /// libphonenumber carrier names, in any language file, for prefixes of this network's
    /// country (its MCC decides the country: "MTS" under 250 is Russia, under 257 Belarus).
    public var carrierNames: [String]
    /// For MVNOs: the network whose SIMs are "on-net" to it. Explicit, never inferred
    /// (numbering.md §8: it is a tariff question).
    public var hostNetwork: MCCMNC?

    public init(
        name: String, network: MCCMNC, otherNetworks: [MCCMNC] = [], inns: [String] = [],
        bdpnOwnerIds: [String] = [], carrierNames: [String] = [], hostNetwork: MCCMNC? = nil
    ) {
        self.name = name
        self.network = network
        self.otherNetworks = otherNetworks
        self.inns = inns
        self.bdpnOwnerIds = bdpnOwnerIds
        self.carrierNames = carrierNames
        self.hostNetwork = hostNetwork
    }
}

public struct OperatorMapping: Sendable, Codable, Hashable {
    public private(set) var entries: [OperatorMappingEntry]

    private var byINN: [String: Int] = [:]
    private var byCarrier: [String: Int] = [:]
    private var byNetwork: [MCCMNC: Int] = [:]

    private enum CodingKeys: String, CodingKey { case entries }

    public init(entries: [OperatorMappingEntry]) {
        self.entries = entries
        reindex()
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(entries: try container.decode([OperatorMappingEntry].self, forKey: .entries))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entries, forKey: .entries)
    }

    /// Config entries replace the entry with the same MCC-MNC and add the others.
    public func overriding(with overrides: [OperatorMappingEntry]) -> OperatorMapping {
        var merged = entries
        for entry in overrides {
            if let index = merged.firstIndex(where: { $0.network == entry.network }) {
                merged[index] = entry
            } else {
                merged.append(entry)
            }
        }
        return OperatorMapping(entries: merged)
    }

    private mutating func reindex() {
        byINN = [:]
        byCarrier = [:]
        byNetwork = [:]
        // Later entries win, so an override appended after a default takes precedence.
        for (index, entry) in entries.enumerated() {
            for inn in entry.inns { byINN[inn] = index }
            for name in entry.carrierNames {
                byCarrier[Self.carrierKey(mcc: entry.network.mcc, name: name)] = index
            }
            byNetwork[entry.network] = index
            for other in entry.otherNetworks where byNetwork[other] == nil { byNetwork[other] = index }
        }
    }

    private static func carrierKey(mcc: UInt16, name: String) -> String {
        "\(mcc)|\(name.lowercased())"
    }

    public func entry(forINN inn: String) -> OperatorMappingEntry? {
        byINN[inn].map { entries[$0] }
    }

    /// The operator a libphonenumber carrier name means in `country`.
    public func entry(forCarrier name: String, in country: Country) -> OperatorMappingEntry? {
        byCarrier[Self.carrierKey(mcc: country.mobileCountryCode, name: name)].map { entries[$0] }
    }

    public func entry(for network: MCCMNC) -> OperatorMappingEntry? {
        byNetwork[network].map { entries[$0] }
    }

    /// The network a SIM belongs to, from its IMSI. Tries a known 3-digit MNC before the
    /// 2-digit reading, so a mapped 3-digit network is found even in 2-digit countries.
    public func network(forIMSI imsi: String) -> MCCMNC? {
        if let three = MCCMNC(imsi: imsi, mncDigits: 3), byNetwork[three] != nil { return three }
        if let two = MCCMNC(imsi: imsi, mncDigits: 2), byNetwork[two] != nil { return two }
        return MCCMNC(imsi: imsi)
    }

    /// The network pricing follows: the MVNO's host if configured, else the entry's main
    /// MCC-MNC (so Kyivstar 255-02 and 255-03 compare equal), else the network itself.
    public func pricingNetwork(of network: MCCMNC) -> MCCMNC {
        guard let entry = entry(for: network) else { return network }
        return entry.hostNetwork ?? entry.network
    }

    /// Built-in defaults. Sources: numbering.md §8 joining table (big four RU with ИНН and
    /// OwnerId), §8 MCC-MNC list, §7 UA codes; other RU ИНН only where the DEF file's
    /// operator name and the MCC-MNC list name the same company.
    public static let defaults = OperatorMapping(entries: [
        // Russia (MCC 250).
        .init(name: "MTS", network: mccmnc(250, 1), inns: ["7740000076"], bdpnOwnerIds: ["mMTS"],
              carrierNames: ["MTS", "МТС"]),
        .init(name: "MegaFon", network: mccmnc(250, 2), inns: ["7812014560"], bdpnOwnerIds: ["mMEGAFON"],
              carrierNames: ["MegaFon", "МегаФон"]),
        .init(name: "Beeline", network: mccmnc(250, 99), inns: ["7713076301"], bdpnOwnerIds: ["mBEELINE"],
              carrierNames: ["Beeline", "Билайн"]),
        .init(name: "T2", network: mccmnc(250, 20), inns: ["7743895280"], bdpnOwnerIds: ["mTELE2"],
              carrierNames: ["Tele2"]),
        .init(name: "Yota", network: mccmnc(250, 11), inns: ["7701725181"]),  // ООО "Скартел"
        .init(name: "SberMobile", network: mccmnc(250, 50), inns: ["7736264044"],  // ООО "СБЕРБАНК-ТЕЛЕКОМ"
              carrierNames: ["Sberbank-Telecom", "ООО Сбербанк-Телеком"]),
        .init(name: "VTB Mobile", network: mccmnc(250, 26), inns: ["9705121882"]),  // ООО "ВТБ МОБАЙЛ"
        .init(name: "K-Telecom", network: mccmnc(250, 32), inns: ["2308210371"],  // ООО "К-телеком"
              carrierNames: ["K-Telecom Ltd"]),
        .init(name: "Miatel", network: mccmnc(250, 16), inns: ["7841482919"]),  // ООО "МИАТЕЛ"
        .init(name: "MOTIV", network: mccmnc(250, 35), carrierNames: ["Motiv", "МОТИВ"]),
        .init(name: "Vainah Telecom", network: mccmnc(250, 8), carrierNames: ["Vainakh Telecom CJSC"]),
        // Ukraine (MCC 255).
        .init(name: "Vodafone UA", network: mccmnc(255, 1), carrierNames: ["Vodafone", "Vodafone Україна"]),
        .init(name: "Kyivstar", network: mccmnc(255, 3), otherNetworks: [mccmnc(255, 2)],
              carrierNames: ["Kyivstar", "Київстар"]),
        .init(name: "Intertelecom", network: mccmnc(255, 4), carrierNames: ["Intertelecom", "Інтертелеком"]),
        .init(name: "lifecell", network: mccmnc(255, 6), carrierNames: ["lifecell"]),
        .init(name: "3Mob", network: mccmnc(255, 7), carrierNames: ["TriMob", "ТриМоб"]),
        .init(name: "PEOPLEnet", network: mccmnc(255, 21), carrierNames: ["PEOPLEnet"]),
        // Belarus (MCC 257).
        .init(name: "A1", network: mccmnc(257, 1), carrierNames: ["Velcom"]),
        .init(name: "MTS BY", network: mccmnc(257, 2), carrierNames: ["MTS", "МТС"]),
        .init(name: "life:)", network: mccmnc(257, 4), carrierNames: ["life:)", "БеСТ"]),
        // Kazakhstan (MCC 401).
        .init(name: "Beeline KZ", network: mccmnc(401, 1), carrierNames: ["Beeline", "Билайн"]),
        .init(name: "Kcell", network: mccmnc(401, 2), carrierNames: ["Kcell/Activ"]),
        .init(name: "Altel", network: mccmnc(401, 7), carrierNames: ["Altel"]),
        .init(name: "Tele2 KZ", network: mccmnc(401, 77), carrierNames: ["Tele2"]),
    ])
}

/// Literal MCC-MNCs for the defaults above: 3-digit MCCs and 2-digit MNCs by construction.
private func mccmnc(_ mcc: UInt16, _ mnc: UInt16) -> MCCMNC {
    MCCMNC(literalMCC: mcc, mnc: mnc, mncDigits: 2)
}

extension Country {
    /// The E.212 MCC of the country's mobile networks.
    public var mobileCountryCode: UInt16 {
        switch self {
        case .ru: 250
        case .kz: 401
        case .ua: 255
        case .by: 257
        }
    }
}
