// Columns are snake_case (`modem_imei`), properties camelCase with acronyms in capitals
// (`modemIMEI`). GRDB converts one way on its own (.convertToSnakeCase, as JSONEncoder
// does: `callID` → `call_id`); back, its conversion would look for `callId`. One rule for
// every record instead of a CodingKeys table in each: a word that is one of `acronyms`
// comes back in capitals.
import GRDB

public protocol SnakeCaseColumns: EncodableRecord, FetchableRecord {}

enum SnakeCase {
    /// The acronyms the records' property names spell in capitals.
    static let acronyms: Set<String> = ["ID", "IMEI", "MCCMNC"]

    /// `missed_call_id` → `missedCallID`, `first_seen` → `firstSeen`, `id` → `id`.
    static func propertyName(ofColumn column: String) -> String {
        var name = ""
        for (index, word) in column.split(separator: "_").enumerated() {
            if index == 0 {
                name += word
            } else if acronyms.contains(word.uppercased()) {
                name += word.uppercased()
            } else {
                name += word.prefix(1).uppercased() + word.dropFirst()
            }
        }
        return name
    }
}

extension SnakeCaseColumns {
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy {
        .custom { column in ColumnKey(SnakeCase.propertyName(ofColumn: column)) }
    }
}

private struct ColumnKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
