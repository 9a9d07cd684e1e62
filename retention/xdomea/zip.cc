// Poco::Zip behind our error model: Poco throws, so every call is wrapped here.
//
// Writing copies each file through a ZipOutputStream in 8 KiB chunks, which on a seekable
// output seeks back to write the sizes and CRC into the local header, so nothing is buffered
// whole. (Poco::Zip::Compress does the same per entry, but keeps every entry's headers in
// memory for the central directory; see ZipWriter::Impl.) Reading uses ZipArchive with a
// parse callback that checks each local header as it is met (and stops a ZIP with too many
// entries before it is indexed), then ZipInputStream for the one entry we need, read in chunks
// against a byte limit, so an expansion bomb stops at the limit.
#include "retention/xdomea/zip.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include <Poco/DateTime.h>
#include <Poco/Exception.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>
#include <Poco/Zip/SkipCallback.h>
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipArchiveInfo.h>
#include <Poco/Zip/ZipCommon.h>
#include <Poco/Zip/ZipFileInfo.h>
#include <Poco/Zip/ZipLocalFileHeader.h>
#include <Poco/Zip/ZipStream.h>

namespace aktenwerk::retention::xdomea {
namespace {

Status Unsafe(const std::string& why) { return InvalidArgumentError(why, "unsafe-zip"); }
Status Damaged(const std::string& why) { return InvalidArgumentError(why, "invalid-zip"); }

bool ValidUtf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return false;
        for (size_t k = 1; k < len; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
        }
        i += len;
    }
    return true;
}

// Little-endian fields of the end-of-central-directory records.
uint32_t U16(std::string_view b, size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(b[at])) |
           (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8);
}
uint64_t U32(std::string_view b, size_t at) {
    return U16(b, at) | (uint64_t{U16(b, at + 2)} << 16);
}
uint64_t U64(std::string_view b, size_t at) { return U32(b, at) | (U32(b, at + 4) << 32); }

// The entry count the central directory declares, read without Poco, so that a ZIP claiming
// millions of entries is refused before any of them is parsed.
Result<uint64_t> DeclaredEntries(std::string_view zip) {
    if (zip.size() < 22) return Damaged("the ZIP is truncated (no end of central directory)");
    const size_t lowest = zip.size() > 22 + 65535 ? zip.size() - 22 - 65535 : 0;
    for (size_t at = zip.size() - 22 + 1; at-- > lowest;) {
        if (zip.substr(at, 4) != std::string_view("PK\x05\x06", 4)) continue;
        uint64_t entries = U16(zip, at + 10);
        // ZIP64: the locator sits just before the record and points at the ZIP64 record.
        if (entries == 0xffff && at >= 20 &&
            zip.substr(at - 20, 4) == std::string_view("PK\x06\x07", 4)) {
            const uint64_t record = U64(zip, at - 20 + 8);
            if (record + 56 > zip.size() ||
                zip.substr(record, 4) != std::string_view("PK\x06\x06", 4)) {
                return Damaged("the ZIP64 end of central directory is damaged");
            }
            entries = U64(zip, record + 32);
        }
        return entries;
    }
    return Damaged("the data is not a ZIP file (no end of central directory)");
}

// Checks every local header while Poco indexes the archive, then skips its data as Poco's own
// SkipCallback does.
class CheckingCallback final : public Poco::Zip::SkipCallback {
  public:
    explicit CheckingCallback(const ZipLimits& limits) : limits_(limits) {}

    bool handleZipEntry(std::istream& zip, const Poco::Zip::ZipLocalFileHeader& hdr) override {
        if (++count_ > limits_.max_entries) {
            throw Poco::DataException("more than " + std::to_string(limits_.max_entries) +
                                      " entries");
        }
        const std::string& name = hdr.getFileName();
        if (!IsSafeEntryName(name)) throw Poco::DataException("unsafe entry name '" + name + "'");
        const uint64_t packed = hdr.getCompressedSize();
        const uint64_t size = hdr.getUncompressedSize();
        if (!hdr.searchCRCAndSizesAfterData() && size > 0 &&
            (packed == 0 || size / packed > limits_.max_ratio)) {
            throw Poco::DataException("entry '" + name + "' would expand " +
                                      std::to_string(packed ? size / packed : size) +
                                      " times, more than the allowed " +
                                      std::to_string(limits_.max_ratio));
        }
        return SkipCallback::handleZipEntry(zip, hdr);
    }

  private:
    ZipLimits limits_;
    uint64_t count_ = 0;
};

}  // namespace

// Entries are written as Poco's Compress::addEntry writes them (ZipLocalFileHeader and
// ZipOutputStream, which seeks back to put sizes and CRC into the local header), but the
// central directory record of each entry goes to a side file at once instead of staying in
// memory, so that a package of 100,000 files costs no more memory than one of ten.
struct ZipWriter::Impl {
    std::string path;
    std::string directory_path;
    std::ofstream out;
    std::ofstream directory;
    bool zip64 = false;
    bool need_zip64 = false;
    uint64_t offset = 0;
    uint64_t directory_size = 0;
};

ZipWriter::ZipWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ZipWriter::~ZipWriter() {
    if (impl_ && !impl_->directory_path.empty()) {
        impl_->directory.close();
        ::unlink(impl_->directory_path.c_str());
    }
}

Result<std::unique_ptr<ZipWriter>> ZipWriter::Create(const std::string& path, bool zip64) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->zip64 = zip64;
    impl->out.open(path, std::ios::binary | std::ios::trunc);
    if (!impl->out) return ErrnoError("create " + path, errno);
    impl->directory_path = path + ".verzeichnis";
    impl->directory.open(impl->directory_path, std::ios::binary | std::ios::trunc);
    if (!impl->directory) return ErrnoError("create " + impl->directory_path, errno);
    return std::unique_ptr<ZipWriter>(new ZipWriter(std::move(impl)));
}

Status ZipWriter::AddFile(std::string_view entry_name, const std::string& source_path,
                          bool compress, int64_t modified_millis) {
    if (!IsSafeEntryName(entry_name) || entry_name.find('/') != std::string_view::npos) {
        return InvalidArgumentError("unsafe ZIP entry name " + std::string(entry_name));
    }
    std::ifstream in(source_path, std::ios::binary | std::ios::ate);
    if (!in) return ErrnoError("open " + source_path, errno);
    const auto size = static_cast<uint64_t>(in.tellg());
    // An empty entry is stored: some tools fail on an empty deflate stream.
    if (size == 0) compress = false;
    in.seekg(0);
    // A local header gets its ZIP64 field when the entry may pass 4 GiB (deflate can grow).
    const bool zip64 = impl_->zip64 || size >= (uint64_t{0xffffffff} - (uint64_t{64} << 20));
    try {
        const Poco::DateTime modified(Poco::Timestamp(modified_millis * 1000));
        const auto start = static_cast<std::streamoff>(impl_->offset);
        Poco::Zip::ZipLocalFileHeader header(
            Poco::Path(std::string(entry_name), Poco::Path::PATH_UNIX), modified,
            compress ? Poco::Zip::ZipCommon::CM_DEFLATE : Poco::Zip::ZipCommon::CM_STORE,
            compress ? Poco::Zip::ZipCommon::CL_NORMAL : Poco::Zip::ZipCommon::CL_SUPERFAST, zip64);
        header.setStartPos(start);
        Poco::Zip::ZipOutputStream entry(impl_->out, header, /*seekableOutput=*/true);
        Poco::StreamCopier::copyStream(in, entry);
        Poco::UInt64 extra = 0;
        entry.close(extra);
        impl_->offset = static_cast<uint64_t>(header.getEndPos()) + extra;
        Poco::Zip::ZipFileInfo info(header);
        info.setOffset(static_cast<Poco::UInt64>(start));
        info.setZip64Data();
        impl_->need_zip64 = impl_->need_zip64 || info.needsZip64();
        const std::string record = info.createHeader();
        impl_->directory.write(record.data(), static_cast<std::streamsize>(record.size()));
        impl_->directory_size += record.size();
    } catch (const Poco::Exception& e) {
        return InternalError("add " + std::string(entry_name) + " to ZIP: " + e.displayText());
    }
    if (!impl_->out || !impl_->directory) return InternalError("write ZIP " + impl_->path);
    ++entries_;
    return Status::Ok();
}

Status ZipWriter::Finish() {
    impl_->directory.close();
    if (!impl_->directory) return InternalError("write " + impl_->directory_path);
    const uint64_t directory_start = impl_->offset;
    {
        std::ifstream directory(impl_->directory_path, std::ios::binary);
        impl_->out << directory.rdbuf();
    }
    ::unlink(impl_->directory_path.c_str());
    impl_->directory_path.clear();
    impl_->offset += impl_->directory_size;
    try {
        const uint64_t magic = Poco::Zip::ZipCommon::ZIP64_MAGIC;
        const bool zip64 = impl_->zip64 || impl_->need_zip64 ||
                           entries_ >= Poco::Zip::ZipCommon::ZIP64_MAGIC_SHORT ||
                           directory_start >= magic || impl_->offset >= magic;
        if (zip64) {
            Poco::Zip::ZipArchiveInfo64 central;
            central.setCentralDirectorySize(impl_->directory_size);
            central.setCentralDirectoryOffset(directory_start);
            central.setNumberOfEntries(entries_);
            central.setTotalNumberOfEntries(entries_);
            central.setHeaderOffset(static_cast<std::streamoff>(impl_->offset));
            central.setTotalNumberOfDisks(1);
            const std::string record = central.createHeader();
            impl_->out.write(record.data(), static_cast<std::streamsize>(record.size()));
            impl_->offset += record.size();
        }
        auto clamp32 = [magic](uint64_t v) {
            return static_cast<Poco::UInt32>(v >= magic ? magic : v);
        };
        Poco::Zip::ZipArchiveInfo central;
        central.setCentralDirectorySize(clamp32(impl_->directory_size));
        central.setCentralDirectoryOffset(clamp32(directory_start));
        const auto count =
            static_cast<Poco::UInt16>(entries_ >= Poco::Zip::ZipCommon::ZIP64_MAGIC_SHORT
                                          ? Poco::Zip::ZipCommon::ZIP64_MAGIC_SHORT
                                          : entries_);
        central.setNumberOfEntries(count);
        central.setTotalNumberOfEntries(count);
        central.setHeaderOffset(static_cast<std::streamoff>(clamp32(impl_->offset)));
        const std::string record = central.createHeader();
        impl_->out.write(record.data(), static_cast<std::streamsize>(record.size()));
    } catch (const Poco::Exception& e) {
        return InternalError("finish ZIP " + impl_->path + ": " + e.displayText());
    }
    impl_->out.close();
    if (!impl_->out) return InternalError("write ZIP " + impl_->path);
    int fd = ::open(impl_->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open " + impl_->path, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoError("fsync " + impl_->path, err);
    return Status::Ok();
}

bool LooksLikeZip(std::string_view bytes) {
    return bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4);
}

bool IsSafeEntryName(std::string_view name) {
    if (name.empty() || name.size() > 255 || !ValidUtf8(name)) return false;
    if (name.front() == '/' || (name.size() >= 2 && name[1] == ':')) return false;
    for (char c : name) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return false;
    }
    size_t start = 0;
    while (start <= name.size()) {
        size_t slash = name.find('/', start);
        std::string_view segment = name.substr(
            start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (segment == "." || segment == "..") return false;
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return true;
}

namespace {

// Inflates one entry in chunks against the limits, so that an expansion bomb stops at the
// limit rather than in memory. `budget` is what the whole package may still expand to.
Result<std::string> InflateEntry(std::istream& in, const Poco::Zip::ZipLocalFileHeader& header,
                                 const std::string& name, const ZipLimits& limits,
                                 uint64_t& budget) {
    in.clear();
    Poco::Zip::ZipInputStream entry(in, header, /*reposition=*/true);
    std::string out;
    char buf[64 * 1024];
    const uint64_t packed = std::max<uint64_t>(header.getCompressedSize(), 1);
    while (entry.read(buf, sizeof(buf)) || entry.gcount() > 0) {
        out.append(buf, static_cast<size_t>(entry.gcount()));
        if (out.size() > limits.max_entry_bytes || out.size() > budget) {
            return Unsafe("entry '" + name + "' expands past " +
                          std::to_string(std::min<uint64_t>(limits.max_entry_bytes, budget)) +
                          " bytes");
        }
        if (out.size() / packed > limits.max_ratio && out.size() > (1u << 20)) {
            return Unsafe("entry '" + name + "' expands more than " +
                          std::to_string(limits.max_ratio) + " times");
        }
    }
    if (!entry.crcValid()) return Damaged("entry '" + name + "' fails its CRC check");
    budget -= out.size();
    return out;
}

// Opens the archive after the cheap checks; the callback checks each local header as it is
// met. `fn` gets the archive and its stream; Poco's exceptions become our errors here.
template <typename Fn>
auto WithArchive(std::string_view zip_bytes, const ZipLimits& limits, Fn fn)
    -> decltype(fn(std::declval<Poco::Zip::ZipArchive&>(), std::declval<std::istream&>())) {
    if (zip_bytes.size() > limits.max_zip_bytes) {
        return Unsafe("the ZIP is larger than " + std::to_string(limits.max_zip_bytes) + " bytes");
    }
    AKTENWERK_ASSIGN_OR_RETURN(uint64_t declared, DeclaredEntries(zip_bytes));
    if (declared > limits.max_entries) {
        return Unsafe("the ZIP declares " + std::to_string(declared) + " entries, more than " +
                      std::to_string(limits.max_entries));
    }
    std::istringstream in{std::string(zip_bytes), std::ios::binary};
    try {
        CheckingCallback check(limits);
        Poco::Zip::ZipArchive archive(in, check);
        return fn(archive, in);
    } catch (const Poco::DataException& e) {
        return Unsafe("the ZIP was refused: " + e.message());
    } catch (const Poco::Exception& e) {
        return Damaged("the ZIP cannot be read: " + e.displayText());
    } catch (const std::exception& e) {
        return Damaged(std::string("the ZIP cannot be read: ") + e.what());
    }
}

// The name of the single message XML at the root.
Result<std::string> MessageXmlName(const Poco::Zip::ZipArchive& archive) {
    std::string xml_name;
    for (auto it = archive.headerBegin(); it != archive.headerEnd(); ++it) {
        const std::string& name = it->first;
        if (name.find('/') != std::string::npos || it->second.isDirectory()) continue;
        if (name.size() < 4 || name.substr(name.size() - 4) != ".xml") continue;
        if (!xml_name.empty()) {
            return Damaged("the ZIP holds more than one message XML at its root (" + xml_name +
                           ", " + name + ")");
        }
        xml_name = name;
    }
    if (xml_name.empty()) return Damaged("the ZIP holds no message XML at its root");
    return xml_name;
}

}  // namespace

Result<std::string> ReadMessageXml(std::string_view zip_bytes, const ZipLimits& limits) {
    return WithArchive(
        zip_bytes, limits,
        [&](Poco::Zip::ZipArchive& archive, std::istream& in) -> Result<std::string> {
            AKTENWERK_ASSIGN_OR_RETURN(std::string name, MessageXmlName(archive));
            uint64_t budget = limits.max_total_bytes;
            return InflateEntry(in, archive.findHeader(name)->second, name, limits, budget);
        });
}

Result<Paket> ReadPackage(std::string_view zip_bytes, const ZipLimits& limits) {
    return WithArchive(
        zip_bytes, limits, [&](Poco::Zip::ZipArchive& archive, std::istream& in) -> Result<Paket> {
            Paket paket;
            AKTENWERK_ASSIGN_OR_RETURN(std::string xml_name, MessageXmlName(archive));
            uint64_t budget = limits.max_total_bytes;
            for (auto it = archive.headerBegin(); it != archive.headerEnd(); ++it) {
                if (it->second.isDirectory()) continue;
                if (it->first.find('/') != std::string::npos) {
                    return Damaged("the ZIP holds '" + it->first +
                                   "' below its root; primary files lie flat");
                }
                AKTENWERK_ASSIGN_OR_RETURN(std::string data,
                                           InflateEntry(in, it->second, it->first, limits, budget));
                if (it->first == xml_name) {
                    paket.xml = std::move(data);
                } else {
                    paket.dateien[it->first] = std::move(data);
                }
            }
            return paket;
        });
}

Result<std::vector<std::string>> ListZipEntries(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return ErrnoError("open " + path, errno);
    try {
        Poco::Zip::ZipArchive archive(in);
        std::vector<std::string> names;
        for (auto it = archive.headerBegin(); it != archive.headerEnd(); ++it) {
            names.push_back(it->first);
        }
        return names;
    } catch (const Poco::Exception& e) {
        return Damaged("the ZIP cannot be read: " + e.displayText());
    }
}

}  // namespace aktenwerk::retention::xdomea
