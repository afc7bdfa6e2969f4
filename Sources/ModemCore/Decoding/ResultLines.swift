// (family table: filled in by its own commit)

enum ResultLines {
    static let named: [String: ATLineDecoding] = [:]
    static let bare: [ATBareLineDecoder] = []
}
