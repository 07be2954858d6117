/*
 * check_certs.c: each kind of certificate fails a real verifier with the
 * one error it is made for; loading certificates and keys from files.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs.h"
#include "util.h"

static const char *const names[] = { "localhost", "127.0.0.1", "::1" };

/* Made fresh for each test by setup(). */
static struct certs *certs;
static X509_STORE *store;
static X509 *ca;

/* A file name in the build directory, unique to this process. */
static void
tmp_path(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "check_certs.%ld.%s", (long)getpid(), what);
}

/* Write a certificate and a key as PEM to two files. */
static void
write_pem(
    const char *cert_path, X509 *cert, const char *key_path, EVP_PKEY *key)
{
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(cert_path, "w"));
	ck_assert_int_eq(PEM_write_X509(f, cert), 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(f = fopen(key_path, "w"));
	ck_assert_int_eq(
	    PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * Make the CAs, and a store that trusts only the CA, read back from the
 * file certs_write_ca wrote, as a client given --ca-out's file would.
 */
static void
setup(void)
{
	char path[64], *cause = NULL;
	struct stat sb;
	FILE *f;

	certs = certs_new(&cause);
	ck_assert_msg(certs != NULL, "certs_new: %s", cause);
	tmp_path(path, sizeof path, "ca.pem");
	ck_assert_msg(certs_write_ca(certs, path, &cause) == 0,
	    "certs_write_ca: %s", cause);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0644);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ca = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	unlink(path);
	ck_assert_ptr_nonnull(ca);
	ck_assert_ptr_nonnull(store = X509_STORE_new());
	ck_assert_int_eq(X509_STORE_add_cert(store, ca), 1);
}

/* Free what setup() made. */
static void
teardown(void)
{
	X509_STORE_free(store);
	X509_free(ca);
	certs_free(certs);
	store = NULL;
	ca = NULL;
	certs = NULL;
}

/*
 * Verify a certificate against the store as a TLS client would, with the
 * CA it was sent with as an untrusted intermediate, for a host name and an
 * IP address (either may be NULL). Returns the verifier's error.
 */
static int
verify(X509 *cert, X509 *chain_ca, const char *host, const char *ip)
{
	X509_STORE_CTX *ctx;
	STACK_OF(X509) * untrusted;
	X509_VERIFY_PARAM *param;
	int rc, err;

	ck_assert_ptr_nonnull(untrusted = sk_X509_new_null());
	if (chain_ca != NULL)
		ck_assert_int_gt(sk_X509_push(untrusted, chain_ca), 0);
	ck_assert_ptr_nonnull(ctx = X509_STORE_CTX_new());
	ck_assert_int_eq(X509_STORE_CTX_init(ctx, store, cert, untrusted), 1);
	ck_assert_int_eq(
	    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER), 1);
	param = X509_STORE_CTX_get0_param(ctx);
	if (host != NULL)
		ck_assert_int_eq(
		    X509_VERIFY_PARAM_set1_host(param, host, 0), 1);
	if (ip != NULL)
		ck_assert_int_eq(X509_VERIFY_PARAM_set1_ip_asc(param, ip), 1);
	rc = X509_verify_cert(ctx);
	err = X509_STORE_CTX_get_error(ctx);
	ck_assert_int_eq(rc == 1, err == X509_V_OK);
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	ERR_clear_error();
	return err;
}

/* Issue a certificate of a kind for names[], checking it succeeds. */
static void
issue(enum cert_kind kind, X509 **cert, EVP_PKEY **key, X509 **chain_ca)
{
	char *cause = NULL;

	ck_assert_msg(certs_issue(certs, kind, names, nitems(names), cert, key,
	                  chain_ca, &cause) == 0,
	    "certs_issue: %s", cause);
	ck_assert_ptr_nonnull(*cert);
	ck_assert_ptr_nonnull(*key);
	ck_assert_int_eq(X509_check_private_key(*cert, *key), 1);
}

/* Verify a certificate of a kind for "localhost" and its IP addresses. */
static int
issue_and_verify(enum cert_kind kind, const char *host, const char *ip)
{
	X509 *cert, *chain_ca;
	EVP_PKEY *key;
	int err;

	issue(kind, &cert, &key, &chain_ca);
	err = verify(cert, chain_ca, host, ip);
	X509_free(cert);
	EVP_PKEY_free(key);
	return err;
}

START_TEST(test_good_verifies_for_host_and_ips)
{
	X509 *cert, *chain_ca;
	EVP_PKEY *key;

	issue(CERT_GOOD, &cert, &key, &chain_ca);
	ck_assert_int_eq(X509_cmp(chain_ca, ca), 0);
	ck_assert_int_eq(
	    verify(cert, chain_ca, "localhost", "127.0.0.1"), X509_V_OK);
	ck_assert_int_eq(verify(cert, chain_ca, NULL, "::1"), X509_V_OK);
	/* The CA alone is enough: clients are not always sent it. */
	ck_assert_int_eq(verify(cert, NULL, "localhost", NULL), X509_V_OK);
	X509_free(cert);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_ip_literals_are_ip_names_only)
{
	X509 *cert, *chain_ca;
	EVP_PKEY *key;

	issue(CERT_GOOD, &cert, &key, &chain_ca);
	ck_assert_int_eq(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
	ck_assert_int_eq(X509_check_ip_asc(cert, "::1", 0), 1);
	ck_assert_int_eq(X509_check_ip_asc(cert, "127.0.0.2", 0), 0);
	/* Not also a DNS name, and the common name is not consulted. */
	ck_assert_int_eq(X509_check_host(cert, "127.0.0.1", 0, 0, NULL), 0);
	ck_assert_int_eq(X509_check_host(cert, "localhost", 0, 0, NULL), 1);
	ck_assert_int_eq(X509_check_host(cert, "other.test", 0, 0, NULL), 0);
	X509_free(cert);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_expired_fails_as_expired)
{
	ck_assert_int_eq(issue_and_verify(CERT_EXPIRED, "localhost", NULL),
	    X509_V_ERR_CERT_HAS_EXPIRED);
}
END_TEST

START_TEST(test_not_yet_valid_fails_as_not_yet_valid)
{
	ck_assert_int_eq(
	    issue_and_verify(CERT_NOT_YET_VALID, "localhost", NULL),
	    X509_V_ERR_CERT_NOT_YET_VALID);
}
END_TEST

START_TEST(test_wrong_host_fails_as_hostname_mismatch)
{
	X509 *cert, *chain_ca;
	EVP_PKEY *key;

	issue(CERT_WRONG_HOST, &cert, &key, &chain_ca);
	ck_assert_int_eq(verify(cert, chain_ca, "localhost", NULL),
	    X509_V_ERR_HOSTNAME_MISMATCH);
	ck_assert_int_eq(verify(cert, chain_ca, NULL, "127.0.0.1"),
	    X509_V_ERR_IP_ADDRESS_MISMATCH);
	/* It is otherwise good: only the name is wrong. */
	ck_assert_int_eq(
	    verify(cert, chain_ca, "wrong.invalid", NULL), X509_V_OK);
	X509_free(cert);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_self_signed_fails_as_depth_zero_self_signed)
{
	X509 *cert, *chain_ca;
	EVP_PKEY *key;

	issue(CERT_SELF_SIGNED, &cert, &key, &chain_ca);
	ck_assert_ptr_null(chain_ca);
	ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(cert),
	                     X509_get_issuer_name(cert)),
	    0);
	ck_assert_int_eq(verify(cert, chain_ca, "localhost", NULL),
	    X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
	X509_free(cert);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_untrusted_ca_fails_as_self_signed_in_chain)
{
	X509 *cert, *chain_ca;
	EVP_PKEY *key;

	issue(CERT_UNTRUSTED_CA, &cert, &key, &chain_ca);
	ck_assert_ptr_nonnull(chain_ca);
	ck_assert_int_ne(X509_cmp(chain_ca, ca), 0);
	/*
	 * The untrusted CA is sent as the chain, and it is a self-signed
	 * root: the verifier completes the chain with it, finds that root in
	 * no store, and says so (19). A client that is not sent the CA
	 * cannot find the issuer at all (20).
	 */
	ck_assert_int_eq(verify(cert, chain_ca, "localhost", NULL),
	    X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
	ck_assert_int_eq(verify(cert, NULL, "localhost", NULL),
	    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	X509_free(cert);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_cas_are_v3_cas)
{
	X509 *cert, *chain_ca;
	EVP_PKEY *key;
	char cn[64];

	ck_assert_int_eq(X509_get_version(ca), X509_VERSION_3);
	ck_assert_int_eq(X509_check_ca(ca), 1);
	ck_assert_int_gt(X509_NAME_get_text_by_NID(X509_get_subject_name(ca),
	                     NID_commonName, cn, sizeof cn),
	    0);
	ck_assert_str_eq(cn, "standin test CA");

	issue(CERT_UNTRUSTED_CA, &cert, &key, &chain_ca);
	ck_assert_int_eq(X509_check_ca(chain_ca), 1);
	ck_assert_int_gt(
	    X509_NAME_get_text_by_NID(
	        X509_get_subject_name(chain_ca), NID_commonName, cn, sizeof cn),
	    0);
	ck_assert_str_eq(cn, "standin untrusted CA");
	ck_assert_int_eq(X509_check_ca(cert), 0);
	ck_assert_int_eq(X509_get_version(cert), X509_VERSION_3);
	X509_free(cert);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_each_certificate_has_its_own_key_and_serial)
{
	X509 *a, *b, *chain_ca;
	EVP_PKEY *ka, *kb;

	issue(CERT_GOOD, &a, &ka, &chain_ca);
	issue(CERT_GOOD, &b, &kb, &chain_ca);
	ck_assert_int_ne(EVP_PKEY_eq(ka, kb), 1);
	ck_assert_int_ne(ASN1_INTEGER_cmp(X509_get0_serialNumber(a),
	                     X509_get0_serialNumber(b)),
	    0);
	X509_free(a);
	X509_free(b);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
}
END_TEST

START_TEST(test_issue_without_names_fails)
{
	X509 *cert, *chain_ca;
	EVP_PKEY *key;
	char *cause = NULL;

	ck_assert_int_eq(certs_issue(certs, CERT_GOOD, NULL, 0, &cert, &key,
	                     &chain_ca, &cause),
	    -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_null(cert);
	ck_assert_ptr_null(key);
	free(cause);
}
END_TEST

START_TEST(test_write_ca_to_a_missing_directory_fails)
{
	char *cause = NULL;

	ck_assert_int_eq(
	    certs_write_ca(certs, "check_certs.no-such-dir/ca.pem", &cause),
	    -1);
	ck_assert_ptr_nonnull(strstr(cause, "check_certs.no-such-dir/ca.pem"));
	free(cause);
}
END_TEST

START_TEST(test_load_round_trip)
{
	char cert_path[64], key_path[64], *cause = NULL;
	X509 *cert, *chain_ca, *loaded;
	EVP_PKEY *key, *loaded_key;

	tmp_path(cert_path, sizeof cert_path, "cert.pem");
	tmp_path(key_path, sizeof key_path, "key.pem");
	issue(CERT_GOOD, &cert, &key, &chain_ca);
	write_pem(cert_path, cert, key_path, key);
	ck_assert_msg(
	    certs_load(cert_path, key_path, &loaded, &loaded_key, &cause) == 0,
	    "certs_load: %s", cause);
	unlink(cert_path);
	unlink(key_path);
	ck_assert_int_eq(X509_cmp(cert, loaded), 0);
	ck_assert_int_eq(EVP_PKEY_eq(key, loaded_key), 1);
	X509_free(cert);
	X509_free(loaded);
	EVP_PKEY_free(key);
	EVP_PKEY_free(loaded_key);
}
END_TEST

START_TEST(test_load_mismatched_key_names_the_file)
{
	char cert_path[64], key_path[64], *cause = NULL;
	X509 *a, *b, *chain_ca, *loaded = NULL;
	EVP_PKEY *ka, *kb, *loaded_key = NULL;
	int rc;

	tmp_path(cert_path, sizeof cert_path, "cert.pem");
	tmp_path(key_path, sizeof key_path, "key.pem");
	issue(CERT_GOOD, &a, &ka, &chain_ca);
	issue(CERT_GOOD, &b, &kb, &chain_ca);
	write_pem(cert_path, a, key_path, kb);
	rc = certs_load(cert_path, key_path, &loaded, &loaded_key, &cause);
	unlink(cert_path);
	unlink(key_path);
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_null(loaded);
	ck_assert_ptr_null(loaded_key);
	ck_assert_msg(strstr(cause, key_path) != NULL &&
	        strstr(cause, "does not match") != NULL,
	    "cause: %s", cause);
	free(cause);
	X509_free(a);
	X509_free(b);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
}
END_TEST

START_TEST(test_load_missing_file_fails)
{
	char cert_path[64], present_path[64], *cause = NULL;
	X509 *cert, *chain_ca, *loaded;
	EVP_PKEY *key, *loaded_key;
	FILE *f;

	tmp_path(cert_path, sizeof cert_path, "missing.pem");
	ck_assert_int_eq(
	    certs_load(cert_path, cert_path, &loaded, &loaded_key, &cause), -1);
	ck_assert_ptr_null(loaded);
	ck_assert_ptr_null(loaded_key);
	ck_assert_msg(strstr(cause, cert_path) != NULL, "cause: %s", cause);
	free(cause);

	/* A present certificate with a missing key names the key. */
	tmp_path(present_path, sizeof present_path, "cert.pem");
	issue(CERT_GOOD, &cert, &key, &chain_ca);
	ck_assert_ptr_nonnull(f = fopen(present_path, "w"));
	ck_assert_int_eq(PEM_write_X509(f, cert), 1);
	ck_assert_int_eq(fclose(f), 0);
	cause = NULL;
	ck_assert_int_eq(
	    certs_load(present_path, cert_path, &loaded, &loaded_key, &cause),
	    -1);
	unlink(present_path);
	ck_assert_ptr_null(loaded);
	ck_assert_msg(strstr(cause, cert_path) != NULL, "cause: %s", cause);
	free(cause);
	X509_free(cert);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_load_rejects_files_that_are_not_pem)
{
	char cert_path[64], key_path[64], *cause = NULL;
	X509 *cert, *chain_ca, *loaded;
	EVP_PKEY *key, *loaded_key;
	FILE *f;

	tmp_path(cert_path, sizeof cert_path, "cert.pem");
	tmp_path(key_path, sizeof key_path, "key.pem");
	ck_assert_ptr_nonnull(f = fopen(cert_path, "w"));
	fputs("not a certificate\n", f);
	fclose(f);
	ck_assert_int_eq(
	    certs_load(cert_path, cert_path, &loaded, &loaded_key, &cause), -1);
	ck_assert_msg(strstr(cause, cert_path) != NULL, "cause: %s", cause);
	free(cause);

	/* A certificate where the key should be is no key. */
	issue(CERT_GOOD, &cert, &key, &chain_ca);
	write_pem(cert_path, cert, key_path, key);
	cause = NULL;
	ck_assert_int_eq(
	    certs_load(cert_path, cert_path, &loaded, &loaded_key, &cause), -1);
	unlink(cert_path);
	unlink(key_path);
	ck_assert_ptr_null(loaded);
	ck_assert_msg(strstr(cause, cert_path) != NULL, "cause: %s", cause);
	free(cause);
	X509_free(cert);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_free_null_is_harmless)
{
	certs_free(NULL);
}
END_TEST

/* The certs suite. */
static Suite *
certs_suite(void)
{
	Suite *s = suite_create("certs");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_good_verifies_for_host_and_ips);
	tcase_add_test(tc, test_ip_literals_are_ip_names_only);
	tcase_add_test(tc, test_expired_fails_as_expired);
	tcase_add_test(tc, test_not_yet_valid_fails_as_not_yet_valid);
	tcase_add_test(tc, test_wrong_host_fails_as_hostname_mismatch);
	tcase_add_test(tc, test_self_signed_fails_as_depth_zero_self_signed);
	tcase_add_test(tc, test_untrusted_ca_fails_as_self_signed_in_chain);
	tcase_add_test(tc, test_cas_are_v3_cas);
	tcase_add_test(tc, test_each_certificate_has_its_own_key_and_serial);
	tcase_add_test(tc, test_issue_without_names_fails);
	tcase_add_test(tc, test_write_ca_to_a_missing_directory_fails);
	tcase_add_test(tc, test_load_round_trip);
	tcase_add_test(tc, test_load_mismatched_key_names_the_file);
	tcase_add_test(tc, test_load_missing_file_fails);
	tcase_add_test(tc, test_load_rejects_files_that_are_not_pem);
	tcase_add_test(tc, test_free_null_is_harmless);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(certs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
