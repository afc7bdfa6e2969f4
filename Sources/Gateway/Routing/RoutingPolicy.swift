// The routing settings of the config file as RoutingCore values: operator mapping,
// normalizer, caller rules, and each SIM's tariff and limits.
import Foundation
import RoutingCore
import SimgateConfig

struct RoutingPolicy: Sendable {
    let mapping: OperatorMapping
    let planner: RoutePlanner
    let timeZone: TimeZone
    let sources: [NumberingSource]
    private let simsByICCID: [String: SIMConfig]
    private let simsByModem: [String: SIMConfig]
    private let tariffs: [String: TariffConfig]
    private let groupOfUser: [String: String]
    /// Configured SIMs that name an ICCID, in file order (shown even when absent).
    let configuredICCIDs: [String]

    init(config: GatewayConfig) {
        let routing = config.routing
        let overrides = routing.operators.compactMap { op -> OperatorMappingEntry? in
            guard let network = MCCMNC(op.mccmnc) else { return nil }
            return OperatorMappingEntry(
                name: op.name, network: network, otherNetworks: op.otherMCCMNCs.compactMap { MCCMNC($0) },
                inns: op.inns, bdpnOwnerIds: op.bdpnOwnerIDs, carrierNames: op.carrierNames,
                hostNetwork: op.hostMCCMNC.flatMap { MCCMNC($0) })
        }
        mapping = OperatorMapping.defaults.overriding(with: overrides)
        timeZone = routing.resolvedTimeZone

        let country = Country(rawValue: routing.homeCountry.rawValue.uppercased()) ?? .ru
        let normalizer = NumberNormalizer(config: NormalizerConfig(homeCountry: country, allowShortCodes: routing.allowShortCodes))
        var groups: [String: CallerRules] = [:]
        var groupOfUser: [String: String] = [:]
        for group in config.groups {
            groups[group.name] = CallerRules(
                allow: group.allow.compactMap { NumberPattern($0) }, deny: group.deny.compactMap { NumberPattern($0) },
                maxCallsPerDay: group.callsPerDay, maxMinutesPerDay: group.minutesPerDay)
            for member in group.members where groupOfUser[member] == nil { groupOfUser[member] = group.name }
        }
        self.groupOfUser = groupOfUser
        let selector = SIMSelector(mapping: mapping, policy: SelectionPolicy(
            warningLeadSeconds: routing.warningLeadSeconds, onNetOnly: routing.onNetOnly))
        planner = RoutePlanner(normalizer: normalizer, callerPolicy: CallerPolicy(homeCountry: country, groups: groups),
                               selector: selector)

        var byICCID: [String: SIMConfig] = [:]
        var byModem: [String: SIMConfig] = [:]
        var iccids: [String] = []
        for sim in config.sims {
            if let iccid = sim.iccid {
                byICCID[Self.canonicalICCID(iccid)] = sim
                iccids.append(Self.canonicalICCID(iccid))
            }
            if let modem = sim.modem { byModem[modem] = sim }
        }
        simsByICCID = byICCID
        simsByModem = byModem
        configuredICCIDs = iccids
        tariffs = Dictionary(routing.tariffs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        sources = routing.registryFiles.map { NumberingSource(format: .registry, path: $0, origin: "config") }
            + routing.libphonenumberPaths.map { NumberingSource(format: .libphonenumber, path: $0, origin: "config") }
            + routing.portedCSVFiles.map { NumberingSource(format: .csv, path: $0, origin: "config") }
            + routing.mnpFiles.map { NumberingSource(format: .bdpn, path: $0, origin: "config") }
    }

    /// Modems print the ICCID with or without the trailing F filler, in either case.
    static func canonicalICCID(_ iccid: String) -> String {
        var s = iccid.uppercased()
        if s.hasSuffix("F") { s.removeLast() }
        return s
    }

    func group(of user: String?) -> String? { user.flatMap { groupOfUser[$0] } }

    /// The [[sim]] entry for a SIM: by ICCID first (it follows the card), else by the slot.
    func simConfig(iccid: String?, modem: String?) -> SIMConfig? {
        if let iccid, let sim = simsByICCID[Self.canonicalICCID(iccid)] { return sim }
        return modem.flatMap { simsByModem[$0] }
    }

    func limits(_ sim: SIMConfig?) -> SIMLimits {
        guard let sim else { return SIMLimits() }
        let increment = sim.billingIncrementSeconds ?? sim.tariff.flatMap { tariffs[$0]?.billingIncrementSeconds } ?? 60
        return SIMLimits(minutesPerDay: sim.minutesPerDay, minutesPerMonth: sim.minutesPerMonth, callsPerDay: sim.callsPerDay,
                         maxCallSeconds: sim.maxCallSeconds, maxConcurrentCalls: sim.maxConcurrentCalls,
                         monthResetDay: sim.monthResetDay, billingIncrementSeconds: increment)
    }

    /// The tariff's prices with the SIM's own keys on top.
    func tariff(_ sim: SIMConfig?) -> SIMTariff {
        guard let sim else { return SIMTariff() }
        let base = sim.tariff.flatMap { tariffs[$0]?.prices } ?? PriceList()
        return SIMTariff(onNetPerMinute: sim.prices.onNet ?? base.onNet, offNetPerMinute: sim.prices.offNet ?? base.offNet,
                         perNetwork: base.perOperator.merging(sim.prices.perOperator) { _, own in own })
    }

    /// One SMS part's price: the SIM's `sms_price`, else its tariff's.
    func smsPrice(_ sim: SIMConfig?) -> Decimal? {
        guard let sim else { return nil }
        return sim.smsPrice ?? sim.tariff.flatMap { tariffs[$0]?.smsPrice }
    }
}
