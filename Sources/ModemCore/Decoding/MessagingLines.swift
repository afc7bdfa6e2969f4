// (family table: filled in by its own commit)

enum MessagingLines {
    static let named: [String: ATLineDecoding] = [:]
    static let bare: [ATBareLineDecoder] = []
}
