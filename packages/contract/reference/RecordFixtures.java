// Writes schemas/<subject>/v<n>.fixture.bin with Apache Avro Java's BinaryMessageEncoder
// (single-object encoding) from the plain JSON value in v<n>.fixture.json, and prints each
// schema's CRC-64-AVRO fingerprint. Run by scripts/record-fixtures.sh.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.message.BinaryMessageEncoder;

public class RecordFixtures {
  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    for (File subject : new File(args[0]).listFiles(File::isDirectory)) {
      File[] schemas = subject.listFiles((d, n) -> n.matches("v\\d+\\.avsc"));
      java.util.Arrays.sort(schemas);
      for (File avsc : schemas) {
        Schema schema = new Schema.Parser().parse(avsc);
        long fp = SchemaNormalization.parsingFingerprint64(schema);
        System.out.printf("%s/%s %016x%n", subject.getName(), avsc.getName(), fp);
        File fixture = new File(subject, avsc.getName().replace(".avsc", ".fixture.json"));
        if (!fixture.exists()) continue;
        Object datum = toAvro(schema, json.readTree(fixture));
        ByteBuffer bytes = new BinaryMessageEncoder<Object>(GenericData.get(), schema).encode(datum);
        byte[] out = new byte[bytes.remaining()];
        bytes.get(out);
        Files.write(new File(subject, avsc.getName().replace(".avsc", ".fixture.bin")).toPath(), out);
      }
    }
  }

  static Object toAvro(Schema s, JsonNode v) {
    switch (s.getType()) {
      case NULL: return null;
      case BOOLEAN: return v.booleanValue();
      case INT: return v.intValue();
      case LONG: return v.longValue();
      case FLOAT: return v.floatValue();
      case DOUBLE: return v.doubleValue();
      case STRING: return v.textValue();
      case ENUM: return new GenericData.EnumSymbol(s, v.textValue());
      case FIXED: return new GenericData.Fixed(s, HexFormat.of().parseHex(v.textValue()));
      case BYTES: return ByteBuffer.wrap(HexFormat.of().parseHex(v.textValue()));
      case ARRAY: {
        List<Object> items = new ArrayList<>();
        for (JsonNode item : v) items.add(toAvro(s.getElementType(), item));
        return new GenericData.Array<>(s, items);
      }
      case UNION: {
        // Our unions are ["null", X]: null, or the other branch.
        if (v == null || v.isNull()) return null;
        for (Schema branch : s.getTypes()) if (branch.getType() != Schema.Type.NULL) return toAvro(branch, v);
        throw new IllegalArgumentException("union without a non-null branch");
      }
      case RECORD: {
        GenericData.Record r = new GenericData.Record(s);
        for (Schema.Field f : s.getFields()) r.put(f.name(), toAvro(f.schema(), v.get(f.name())));
        return r;
      }
      default: throw new IllegalArgumentException("unsupported type " + s.getType());
    }
  }
}
