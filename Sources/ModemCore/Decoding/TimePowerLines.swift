// (family table: filled in by its own commit)

enum TimePowerLines {
    static let named: [String: ATLineDecoding] = [:]
    static let bare: [ATBareLineDecoder] = []
}
