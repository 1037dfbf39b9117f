#!/usr/bin/env bash
# Re-records schemas/*/v*.fixture.bin and schemas/fingerprints.txt with Apache Avro Java, the
# reference implementation. Needs Java 17 and Maven; run after adding a schema version or
# changing a fixture .json. The codec tests then check our encoder and decoder against them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jars="$(mktemp -d)"
trap 'rm -rf "$jars"' EXIT
mvn -q -B -f "$here/reference/pom.xml" dependency:copy-dependencies -DoutputDirectory="$jars" >&2
java -cp "$jars/*" "$here/reference/RecordFixtures.java" "$here/schemas" | sort >"$here/schemas/fingerprints.txt"
cat "$here/schemas/fingerprints.txt"
