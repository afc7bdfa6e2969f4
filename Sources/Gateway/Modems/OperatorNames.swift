import RoutingCore

/// Display names for MCC-MNC codes the modem did not name itself (a SIM's home network,
/// or a +COPS answer in numeric format), from the routing layer's operator table.
enum OperatorNames {
    static func name(mccmnc: String?) -> String? {
        guard let mccmnc, let network = MCCMNC(mccmnc) else { return nil }
        return OperatorMapping.defaults.entry(for: network)?.name
    }
}
