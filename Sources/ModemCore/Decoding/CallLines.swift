// (family table: filled in by its own commit)

enum CallLines {
    static let named: [String: ATLineDecoding] = [:]
    static let bare: [ATBareLineDecoder] = []
}
