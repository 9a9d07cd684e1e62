// A main() for fuzz targets in builds without libFuzzer: runs LLVMFuzzerTestOneInput on every
// file named on the command line or found in a named folder. ctest uses it to replay the
// seed corpus and every input that once crashed a target (regressions/), so that each crash
// found stays a test in every build, sanitizers or not.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Replay(const std::filesystem::path& file, size_t* count) {
    std::ifstream in(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++*count;
}

}  // namespace

int main(int argc, char** argv) {
    size_t count = 0;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path path = argv[i];
        if (std::filesystem::is_directory(path)) {
            for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
                if (entry.is_regular_file() && entry.path().filename() != ".keep") {
                    Replay(entry.path(), &count);
                }
            }
        } else if (std::filesystem::is_regular_file(path)) {
            Replay(path, &count);
        } else {
            std::cerr << "no such input: " << path << "\n";
            return 2;
        }
    }
    std::cout << "replayed " << count << " inputs\n";
    return count > 0 ? 0 : 1;
}
