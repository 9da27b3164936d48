# Expands an upgrade-script head: a line
#   --@include FILE TAG     copies the blocks of src/sql/FILE marked TAG;
#   --@replace FILE TAG     the same, with CREATE FUNCTION/PROCEDURE/AGGREGATE
#                           made CREATE OR REPLACE (objects the old version has);
# a block is the lines between "-- @upgrade TAG {" and "-- @upgrade }".
/^--@(include|replace) / {
	file = dir "/" $2; tag = $3; repl = ($1 == "--@replace"); on = 0; found = 0
	while ((getline line < file) > 0)
	{
		if (line ~ /^-- @upgrade [a-z0-9_]+ \{$/)
		{
			split(line, w, " "); on = (w[3] == tag); found += on; continue
		}
		if (line ~ /^-- @upgrade \}$/) { on = 0; continue }
		if (!on) continue
		if (repl && line ~ /^CREATE (FUNCTION|PROCEDURE|AGGREGATE) /)
			sub(/^CREATE /, "CREATE OR REPLACE ", line)
		print line
	}
	close(file)
	if (!found) { print "gen-upgrade: no block " tag " in " file > "/dev/stderr"; exit 1 }
	next
}
{ print }
