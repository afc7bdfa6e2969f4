// (family table: filled in by its own commit)

enum SignalLines {
    static let named: [String: ATLineDecoding] = [:]
    static let bare: [ATBareLineDecoder] = []
}
