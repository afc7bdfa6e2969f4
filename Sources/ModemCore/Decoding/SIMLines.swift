// (family table: filled in by its own commit)

enum SIMLines {
    static let named: [String: ATLineDecoding] = [:]
    static let bare: [ATBareLineDecoder] = []
}
