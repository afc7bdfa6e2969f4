// `simgate modems`: one line per modem, fitting an 80-column terminal.
//
// Twelve columns in 80 characters leave ~6 per column, so the table degrades in a planned
// order when the terminal is too narrow (see `plan` below); `--wide` prints every column in
// full, and `simgate modem show ID` has everything.
import ControlModel
import Foundation

enum ModemTable {
    private enum C {
        static let id = 0, state = 1, signal = 2, reg = 3, network = 4, sim = 5, act = 6
        static let imei = 7, iccid = 8, lastOK = 9, calls = 10, asrACD = 11
    }

    static func render(_ list: ModemList, now: Date, ascii: Bool, maxWidth: Int?) -> String {
        if list.modems.isEmpty { return "No modems.\n" }
        var table = TextTable(columns: [
            .init("ID", min: 6),
            .init("STATE", min: 6),
            .init("SIGNAL"),
            .init("REG"),
            .init("NET", min: 5),
            .init("SIM", min: 5),
            .init("ACT"),
            .init("IMEI", cut: .start),
            .init("ICCID", cut: .start),
            .init("AT-OK", right: true),
            .init("CALLS", right: true),
            .init("ASR/ACD", right: true),
        ])
        table.cutMark = ascii ? "~" : "…"
        // What gives way first when 80 columns are too few: serial numbers shrink to their
        // last four digits (what is printed on the SIM and the modem label), long operator
        // names are cut, ages lose their second unit, the signal keeps its bars but drops
        // the dBm, operator names become MCC-MNC codes; the modem ID is cut last.
        table.plan = [
            .rendering(column: C.imei, index: 1), .rendering(column: C.iccid, index: 1),
            .cut(columns: [C.network, C.sim], width: 8),
            .rendering(column: C.state, index: 1), .rendering(column: C.lastOK, index: 1),
            .rendering(column: C.signal, index: 1),
            .rendering(column: C.network, index: 1), .rendering(column: C.sim, index: 1),
            .cut(columns: [C.act], width: 3),
            .rendering(column: C.asrACD, index: 1),
            .cut(columns: [C.id], width: 6),
        ]
        for modem in list.modems {
            let state = HumanFormat.stateShort(modem.state)
            let dBm = HumanFormat.dBm(modem.signal).map(String.init)
            let bars = HumanFormat.bars(modem.signal.bars, ascii: ascii)
            table.append([
                [modem.id],
                [state + " " + HumanFormat.age(of: modem.stateSince, now: now),
                 state + " " + HumanFormat.coarseAge(of: modem.stateSince, now: now)],
                [HumanFormat.signalCell(modem.signal, ascii: ascii), bars ?? dBm ?? "-"],
                [HumanFormat.registrationShort(modem.registration)],
                operatorRenderings(modem.networkOperator),
                operatorRenderings(modem.simOperator),
                [modem.accessTechnology ?? "-"],
                [modem.imei ?? "-", tail(modem.imei)],
                [modem.iccid ?? "-", tail(modem.iccid)],
                [HumanFormat.age(of: modem.at.lastOKAt, now: now), HumanFormat.coarseAge(of: modem.at.lastOKAt, now: now)],
                [String(modem.calls.total)],
                [HumanFormat.asrACD(modem.calls), HumanFormat.asrACD(modem.calls, units: false)],
            ])
        }
        return table.render(maxWidth: maxWidth)
    }

    /// Name (or code), then the MCC-MNC code when one is known.
    private static func operatorRenderings(_ info: OperatorInfo) -> [String] {
        let short = HumanFormat.operatorShort(info)
        guard let code = info.mccmnc, !code.isEmpty, code.count < short.count else { return [short] }
        return [short, code]
    }

    /// The last four characters (`3456`): what is printed last on the SIM card and the modem
    /// label, enough to find the physical thing; the header says which number it is.
    private static func tail(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "-" }
        return String(text.suffix(4))
    }
}
