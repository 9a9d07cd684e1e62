// Tests of the stored value encoding and the sortable key helpers.
#include "storage/codec.h"

#include <string>

#include <gtest/gtest.h>

namespace aktenwerk::storage {
namespace {

using nlohmann::json;

TEST(Codec, EncodedValueDecodesToTheSameJson) {
    const json value = {{"titel", "Grünflächen"},
                        {"nummer", 42},
                        {"negativ", -7},
                        {"liste", {1, "zwei", nullptr, true}},
                        {"leer", json::object()}};

    auto decoded = DecodeValue(EncodeValue(value));

    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, value);
}

TEST(Codec, EncodedValueStartsWithTheEncodingVersion) {
    const std::string bytes = EncodeValue(json("x"));

    ASSERT_FALSE(bytes.empty());
    EXPECT_EQ(static_cast<uint8_t>(bytes[0]), kEncodingVersion);
}

TEST(Codec, EmptyValueIsCorruption) {
    EXPECT_EQ(DecodeValue("").status().code(), StatusCode::kCorruption);
}

TEST(Codec, UnknownEncodingVersionIsRefused) {
    std::string bytes = EncodeValue(json(1));
    bytes[0] = static_cast<char>(kEncodingVersion + 1);

    auto decoded = DecodeValue(bytes);

    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
    EXPECT_EQ(decoded.status().reason(), "unknown-encoding");
}

TEST(Codec, MalformedMessagePackIsCorruptionNotAnException) {
    std::string truncated = EncodeValue(json{{"betreff", "Bauantrag Musterstraße 1"}});
    truncated.resize(truncated.size() - 3);
    const std::string garbage = std::string(1, static_cast<char>(kEncodingVersion)) + "\xc1";

    EXPECT_EQ(DecodeValue(truncated).status().code(), StatusCode::kCorruption);
    EXPECT_EQ(DecodeValue(garbage).status().code(), StatusCode::kCorruption);
}

TEST(Codec, SortableNumbersHaveTwentyDigitsAndSortNumerically) {
    EXPECT_EQ(SortableNumber(0), "00000000000000000000");
    EXPECT_EQ(SortableNumber(42), "00000000000000000042");
    EXPECT_EQ(SortableNumber(UINT64_MAX), "18446744073709551615");
    EXPECT_LT(SortableNumber(9), SortableNumber(10));
    EXPECT_LT(SortableNumber(999), SortableNumber(1000));
}

TEST(Codec, SortableNumberParsesBack) {
    for (uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{1234567890}, UINT64_MAX}) {
        SCOPED_TRACE(n);
        uint64_t parsed = 7;
        EXPECT_TRUE(ParseSortableNumber(SortableNumber(n), &parsed));
        EXPECT_EQ(parsed, n);
    }
}

TEST(Codec, ParseSortableNumberRefusesOtherText) {
    const char* const kBad[] = {"",
                                "42",
                                "0000000000000000004x",
                                "-0000000000000000001",
                                "000000000000000000042",
                                "99999999999999999999"};
    for (const char* text : kBad) {
        SCOPED_TRACE(text);
        uint64_t n = 0;
        EXPECT_FALSE(ParseSortableNumber(text, &n));
    }
}

TEST(Codec, PrefixEndIsTheSmallestKeyAfterThePrefix) {
    EXPECT_EQ(PrefixEnd("a/"), "a0");
    EXPECT_EQ(PrefixEnd("c/abc/"), "c/abc0");
    EXPECT_EQ(PrefixEnd("a\xff"), "b");
    EXPECT_EQ(PrefixEnd("\xff\xff"), "");
    EXPECT_EQ(PrefixEnd(""), "");
    EXPECT_LT(std::string("a/zzzz\xff"), PrefixEnd("a/"));
}

// Regression (#6, found by the codec fuzz target): a value nested 100,000 levels deep
// overflowed the stack of the MessagePack reader.
TEST(Codec, DeeplyNestedValueIsCorruptionNotACrash) {
    std::string deep = "\x01" + std::string(100'000, '\x91') + "\xc0";
    EXPECT_EQ(DecodeValue(deep).status().code(), StatusCode::kCorruption);

    nlohmann::json nested = nullptr;
    for (int i = 0; i < 60; ++i) nested = nlohmann::json::array({nested});
    auto ok = DecodeValue(EncodeValue(nested));
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    EXPECT_EQ(*ok, nested);
}

}  // namespace
}  // namespace aktenwerk::storage
