# Turns a file into a C++ source defining `std::string_view ${FUNCTION}()` in namespace se::kernel
# that returns the file's bytes. Run with -DINPUT=... -DOUTPUT=... -DFUNCTION=...
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){16})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT} by embed_asset.cmake; do not edit.
#include <string_view>

namespace se::kernel {

namespace {
constexpr char kBytes[${byte_count} + 1] = {
    ${bytes}'\\0'};
}  // namespace

std::string_view ${FUNCTION}() { return std::string_view(kBytes, ${byte_count}); }

}  // namespace se::kernel
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
