#include "dms/users.h"

#include <memory>

#include <gtest/gtest.h>

#include "dms/keys.h"
#include "storage/codec.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::dms {
namespace {

class UserStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto store = storage::MetadataStore::Open(dir_.path() + "/meta");
        ASSERT_TRUE(store.ok()) << store.status().ToString();
        store_ = std::move(store).value();
        users_ = std::make_unique<UserStore>(store_.get(), &clock_);
        ASSERT_TRUE(
            users_->Create(Principal::System(), "sachbearbeiterin", "richtig-geheim", false).ok());
    }

    test_support::TempDir dir_;
    ManualClock clock_;
    std::unique_ptr<storage::MetadataStore> store_;
    std::unique_ptr<UserStore> users_;
};

TEST_F(UserStoreTest, RightPasswordGivesThePrincipal) {
    auto p = users_->Authenticate("sachbearbeiterin", "richtig-geheim");
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(p->name, "sachbearbeiterin");
    EXPECT_FALSE(p->admin);
}

TEST_F(UserStoreTest, WrongPasswordIsUnauthenticated) {
    EXPECT_EQ(users_->Authenticate("sachbearbeiterin", "falsch-falsch").status().code(),
              StatusCode::kUnauthenticated);
}

// Regression: an unknown name made the lookup throw on a null record (a 500 instead of 401).
TEST_F(UserStoreTest, UnknownUserIsUnauthenticatedNotAnError) {
    EXPECT_EQ(users_->Authenticate("niemand", "irgendwas").status().code(),
              StatusCode::kUnauthenticated);
}

TEST_F(UserStoreTest, OnlyAnAdministratorCreatesUsers) {
    Principal clerk{"sachbearbeiterin", false};
    EXPECT_EQ(users_->Create(clerk, "neu", "passwort-neu", false).code(),
              StatusCode::kPermissionDenied);
}

TEST_F(UserStoreTest, DuplicateNamesAndShortPasswordsAreRefused) {
    EXPECT_EQ(users_->Create(Principal::System(), "sachbearbeiterin", "anderes-pw", false).code(),
              StatusCode::kAlreadyExists);
    EXPECT_EQ(users_->Create(Principal::System(), "kurz", "1234567", false).code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(users_->Create(Principal::System(), "böse/name", "lang-genug", false).code(),
              StatusCode::kInvalidArgument);
}

TEST_F(UserStoreTest, ChangedPasswordReplacesTheOldOneAndItsCachedCheck) {
    ASSERT_TRUE(users_->Authenticate("sachbearbeiterin", "richtig-geheim").ok());
    ASSERT_TRUE(
        users_->SetPassword(Principal::System(), "sachbearbeiterin", "ganz-neu-geheim").ok());

    EXPECT_FALSE(users_->Authenticate("sachbearbeiterin", "richtig-geheim").ok());
    EXPECT_TRUE(users_->Authenticate("sachbearbeiterin", "ganz-neu-geheim").ok());
}

// The slow hash is the default: only a test may ask for fewer iterations.
TEST_F(UserStoreTest, PasswordsAreStoredAsPbkdf2WithSixHundredThousandIterations) {
    auto raw = store_->Get(keys::User("sachbearbeiterin"));
    ASSERT_TRUE(raw.ok() && raw->has_value());
    auto record = storage::DecodeValue(**raw);
    ASSERT_TRUE(record.ok());
    EXPECT_EQ(record->value("iterations", 0u), 600'000u);
    EXPECT_EQ(record->value("hash", "").size(), 64u);
    EXPECT_EQ(record->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  .find("richtig-geheim"),
              std::string::npos);
}

}  // namespace
}  // namespace aktenwerk::dms
