// `simgate modems`: one line per modem, fitting an 80-column terminal.
//
// Twelve columns in 80 characters leave ~6 per column, so the table is built to fit: the
// serial numbers (IMEI, ICCID) give way first down to their last four digits, then operator
// names, then the access technology, and the modem ID (what you type next) last of all.
// `--wide` prints every column in full.
import ControlModel
import Foundation

enum ModemTable {
    static func render(_ list: ModemList, now: Date, ascii: Bool, maxWidth: Int?) -> String {
        if list.modems.isEmpty { return "No modems.\n" }
        var table = TextTable(columns: [
            .init("ID", min: 6, shrinkOrder: 4),
            .init("STATE", min: 6, shrinkOrder: 3),
            .init("SIGNAL", min: 9),
            .init("REG", min: 4),
            .init("NETWORK", min: 5, shrinkOrder: 1),
            .init("SIM", min: 5, shrinkOrder: 1),
            .init("ACT", min: 3, shrinkOrder: 2),
            .init("IMEI", min: 5, shrinkOrder: 0, cut: .start),
            .init("ICCID", min: 5, shrinkOrder: 0, cut: .start),
            .init("AT-OK", min: 5, right: true),
            .init("CALLS", min: 5, right: true),
            .init("ASR/ACD", min: 7, right: true),
        ])
        table.cutMark = ascii ? "~" : "…"
        for modem in list.modems {
            table.rows.append([
                modem.id,
                HumanFormat.stateShort(modem.state) + " " + HumanFormat.age(of: modem.stateSince, now: now),
                HumanFormat.signalCell(modem.signal, ascii: ascii),
                HumanFormat.registrationShort(modem.registration),
                HumanFormat.operatorShort(modem.networkOperator),
                HumanFormat.operatorShort(modem.simOperator),
                modem.accessTechnology ?? "-",
                modem.imei ?? "-",
                modem.iccid ?? "-",
                HumanFormat.age(of: modem.at.lastOKAt, now: now),
                String(modem.calls.total),
                HumanFormat.asrACD(modem.calls),
            ])
        }
        return table.render(maxWidth: maxWidth)
    }
}
