/* The one list of tests. Each X(name) needs a TEST_IMPL(name) in some
 * test/test-*.c file. Keep the sections; each area adds to its own. */
#ifndef FERRY_TEST_LIST_H
#define FERRY_TEST_LIST_H

/* -- section: runner self-check -- */
#define TEST_LIST_RUNNER(X) \
  X(runner_asserts_work)

/* -- section: URL parser (test/test-url.c) -- */
#define TEST_LIST_URL(X) \
  X(url_parse_splits_every_part) \
  X(url_scheme_is_lowercased_and_host_keeps_its_case) \
  X(url_default_port_follows_scheme) \
  X(url_other_schemes_are_unsupported) \
  X(url_scheme_takes_one_to_three_slashes) \
  X(url_missing_scheme_without_guess_is_malformed) \
  X(url_guess_scheme_takes_bare_host_as_http) \
  X(url_null_or_empty_input_is_malformed) \
  X(url_space_or_control_character_is_malformed) \
  X(url_empty_host_is_malformed) \
  X(url_bad_ipv6_literal_is_malformed) \
  X(url_ipv6_literal_strips_brackets_and_sets_kind) \
  X(url_ipv6_literal_is_normalised_only_when_shorter) \
  X(url_ipv6_literal_keeps_zone_id) \
  X(url_port_out_of_range_is_malformed) \
  X(url_port_with_non_digits_is_malformed) \
  X(url_empty_port_means_default) \
  X(url_explicit_default_port_is_recorded) \
  X(url_invalid_host_characters_are_malformed) \
  X(url_host_percent_encoding_is_decoded_or_rejected) \
  X(url_host_name_keeps_its_case) \
  X(url_ipv4_shorthand_is_normalised) \
  X(url_ipv4_lookalikes_are_names) \
  X(url_empty_path_becomes_slash) \
  X(url_dot_segments_are_removed) \
  X(url_percent_encoding_in_path_is_kept) \
  X(url_query_and_fragment_are_split_at_first_marks) \
  X(url_bare_question_mark_is_no_query) \
  X(url_userinfo_is_percent_decoded) \
  X(url_userinfo_ends_at_the_first_at_sign) \
  X(url_userinfo_parts_may_be_absent_or_empty) \
  X(url_userinfo_with_encoded_nul_is_malformed) \
  X(url_longer_than_8_mib_is_malformed) \
  X(url_redirect_joins_rfc3986_normal_examples_as_libcurl) \
  X(url_redirect_joins_rfc3986_abnormal_examples_as_libcurl) \
  X(url_redirect_absolute_location_replaces_base) \
  X(url_redirect_scheme_relative_keeps_base_scheme) \
  X(url_redirect_keeps_base_authority_for_relative_location) \
  X(url_redirect_query_only_keeps_path) \
  X(url_redirect_fragment_only_drops_the_query) \
  X(url_redirect_encodes_spaces_and_bytes_above_0x7f) \
  X(url_redirect_bad_location_fails_when_followed_and_is_kept_when_not) \
  X(url_to_string_is_the_effective_url_with_an_explicit_port) \
  X(url_to_string_reencodes_userinfo_and_can_drop_parts) \
  X(url_request_target_is_path_and_query_without_fragment) \
  X(url_host_header_adds_port_only_when_not_default) \
  X(url_copy_is_deep) \
  X(url_decode_turns_escapes_into_bytes) \
  X(url_encode_escapes_all_but_unreserved) \
  X(url_path_encodes_bytes_above_0x7f_for_the_request_line) \
  X(url_proxy_target_drops_fragment_userinfo_and_default_port) \
  X(url_set_scheme_switches_to_https_and_default_port) \
  X(url_path_as_is_keeps_dot_segments)

/* -- section: scripted server (test/test-server.c) -- */
#define TEST_LIST_SERVER(X) \
  X(server_send_step_echoes_exact_bytes) \
  X(server_send_split_delivers_pieces_with_delays) \
  X(server_send_split_dribbles_byte_by_byte) \
  X(server_delay_step_holds_the_reply) \
  X(server_close_step_gives_client_eof) \
  X(server_close_step_flushes_a_large_send_first) \
  X(server_reset_step_gives_client_econnreset) \
  X(server_shutdown_write_keeps_reading_until_client_closes) \
  X(server_script_without_close_keeps_connection_open) \
  X(server_wait_request_frames_content_length_body) \
  X(server_wait_request_frames_chunked_body) \
  X(server_wait_request_waits_for_a_body_sent_later) \
  X(server_frames_a_request_that_arrives_byte_by_byte) \
  X(server_expect_100_continue_leaves_body_for_wait_body) \
  X(server_wait_request_takes_a_leftover_continue_body_first) \
  X(server_wait_bytes_counts_bytes_past_the_request) \
  X(server_respond_always_serves_two_requests_on_one_connection) \
  X(server_runs_scripts_in_accept_order_and_counts_connections) \
  X(server_survives_client_reset) \
  X(server_closes_connection_on_malformed_request) \
  X(server_looping_script_that_reads_nothing_ends) \
  X(server_stop_closes_open_connections) \
  X(server_ipv6_listens_on_loopback) \
  X(server_handles_a_thousand_connections_and_ten_thousand_requests)

/* -- section: nginx fixture (test/test-nginx.c) -- */
#define TEST_LIST_NGINX(X)                                     \
  X(nginx_fixture_expected_bytes_agree_at_any_offset)          \
  X(nginx_fixture_serves_generated_file_exactly)               \
  X(nginx_fixture_rejects_file_names_outside_docroot)          \
  X(nginx_fixture_keeps_connection_alive_for_two_requests)     \
  X(nginx_fixture_status_says_ok_and_redirect_points_to_status) \
  X(nginx_fixture_slow_location_paces_the_response)            \
  X(nginx_fixture_tls_port_answers_tls12_client_hello)         \
  X(nginx_fixture_stop_ends_master_and_workers_and_removes_dir) \
  X(nginx_fixture_stop_cuts_transfer_in_flight_within_bound)   \
  X(nginx_fixture_start_fails_when_nginx_is_missing)

/* -- section: API and engine (test/test-api.c, test/test-http.c, ...) -- */
#define TEST_LIST_ENGINE(X) \
  X(http_get_sends_exact_request_and_delivers_body) \
  X(uv_mode_runs_transfers_on_app_loop_and_closes_cleanly) \
  X(uv_mode_idle_pooled_connection_does_not_keep_loop_alive) \
  X(socket_action_mode_uses_app_callbacks_only) \
  X(perform_wait_loop_runs_ten_transfers) \
  X(fdset_select_loop_completes_transfer) \
  X(oom_each_allocation_of_easy_perform_fails_cleanly) \
  X(oom_each_allocation_of_multi_perform_fails_cleanly) \
  X(oom_each_allocation_of_uv_mode_fails_cleanly) \
  X(oom_each_allocation_of_socket_action_style_fails_cleanly) \
  X(oom_each_allocation_of_a_digest_exchange_fails_cleanly) \
  X(oom_each_allocation_of_a_connect_only_exchange_fails_cleanly) \
  X(nginx_thousand_transfers_fifty_in_flight_uv_mode) \
  X(nginx_thousand_transfers_fifty_in_flight_socket_action_mode)

/* -- section: hostile servers and HTTP/1.1 framing (test/test-hostile.c) -- */
#define TEST_LIST_HOSTILE(X) \
  X(hostile_garbage_instead_of_status_line_is_unsupported_protocol) \
  X(hostile_http09_body_without_status_line_is_unsupported_protocol) \
  X(hostile_empty_reply_is_got_nothing) \
  X(hostile_close_inside_header_ends_it_unless_a_body_was_due) \
  X(hostile_body_cut_short_under_content_length_is_partial_file) \
  X(hostile_chunked_body_cut_short_is_partial_file) \
  X(hostile_non_hex_chunk_size_is_recv_error) \
  X(hostile_chunk_size_overflowing_64_bits_is_recv_error) \
  X(hostile_chunk_size_past_63_bits_is_recv_error) \
  X(hostile_chunk_framing_without_its_crlf_is_recv_error) \
  X(hostile_repeated_content_length_is_weird_server_reply) \
  X(hostile_negative_content_length_is_weird_server_reply) \
  X(hostile_content_length_past_63_bits_is_weird_server_reply) \
  X(hostile_content_length_with_chunked_takes_chunks_and_closes) \
  X(hostile_transfer_coding_other_than_chunked_is_bad_content_encoding) \
  X(hostile_whitespace_before_a_colon_or_a_first_header_is_weird_server_reply) \
  X(hostile_header_line_of_300_kb_is_too_large) \
  X(hostile_sixty_thousand_small_headers_are_recv_error) \
  X(hostile_nul_byte_in_header_is_weird_server_reply) \
  X(hostile_interim_responses_count_against_the_header_cap) \
  X(hostile_three_interim_100s_then_200_delivers_final_body_only) \
  X(hostile_reset_in_middle_of_body_is_recv_error) \
  X(hostile_reset_in_middle_of_body_is_recv_error_in_socket_action_mode) \
  X(hostile_headers_dribbled_past_timeout_is_operation_timedout) \
  X(hostile_trickling_body_under_low_speed_limit_is_operation_timedout) \
  X(hostile_port_bound_but_not_listening_is_couldnt_connect) \
  X(hostile_connect_to_full_backlog_hits_connecttimeout) \
  X(hostile_hanging_first_address_loses_the_happy_eyeballs_race) \
  X(hostile_close_delimited_body_is_ok_and_complete) \
  X(hostile_204_and_304_without_body_are_ok_without_waiting) \
  X(hostile_head_with_content_length_has_no_body_and_reuses_connection) \
  X(hostile_bytes_after_content_length_body_are_dropped_with_connection) \
  X(hostile_write_callback_returning_short_is_write_error) \
  X(hostile_write_pause_then_resume_delivers_everything_once) \
  X(hostile_idle_connection_closed_by_server_is_not_reused) \
  X(hostile_idle_connection_closed_by_server_is_not_used_for_upload) \
  X(hostile_close_on_second_request_is_retried_on_fresh_connection) \
  X(hostile_unsupported_scheme_is_unsupported_protocol) \
  X(hostile_malformed_url_is_url_malformat) \
  X(hostile_invalid_tld_is_couldnt_resolve_host_without_lookup) \
  X(hostile_bare_cr_in_header_section_is_weird_server_reply) \
  X(hostile_h1_codec_refuses_fuzz_input_with_bare_cr_fed_byte_by_byte)

/* -- section: content decoders (test/test-decode.c) -- */
#define TEST_LIST_DECODE(X) \
  X(decode_gzip_roundtrip_survives_every_split_size) \
  X(decode_deflate_accepts_zlib_wrapped_and_raw_streams) \
  X(decode_deflate_with_preset_dictionary_is_bad_content_encoding) \
  X(decode_stacked_gzip_deflate_decodes_deflate_first) \
  X(decode_identity_and_empty_header_pass_through) \
  X(decode_coding_names_are_case_insensitive_and_x_gzip_is_gzip) \
  X(decode_unknown_coding_is_bad_content_encoding_with_text) \
  X(decode_more_than_five_codings_is_bad_content_encoding) \
  X(decode_gzip_bad_crc_is_bad_content_encoding) \
  X(decode_gzip_bad_isize_is_bad_content_encoding) \
  X(decode_gzip_header_with_optional_fields_is_decoded) \
  X(decode_truncated_stream_fails_at_finish) \
  X(decode_garbage_after_gzip_trailer_is_bad_content_encoding) \
  X(decode_data_after_deflate_end_is_bad_content_encoding) \
  X(decode_concatenated_gzip_members_are_all_decoded) \
  X(decode_empty_body_is_accepted) \
  X(decode_errors_are_sticky) \
  X(decode_gzip_bomb_is_decoded_in_bounded_memory) \
  X(decode_five_stacked_bomb_stays_within_five_stages_of_memory) \
  X(decode_max_decoded_stops_bomb_with_filesize_exceeded) \
  X(decode_output_pieces_never_exceed_max_write_size) \
  X(decode_out_callback_nonzero_stops_with_its_code) \
  X(decode_oom_each_allocation_fails_cleanly) \
  X(decode_all_lists_supported_codings)

/* -- section: public API promises (test/test-api.c) -- */
#define TEST_LIST_API(X) \
  X(multi_calls_with_null_or_foreign_multi_are_bad_handle) \
  X(multi_add_or_remove_of_null_or_foreign_easy_is_bad_easy_handle) \
  X(multi_add_handle_twice_is_added_already) \
  X(multi_add_handle_that_is_in_another_multi_is_added_already) \
  X(multi_remove_never_added_handle_is_ok) \
  X(multi_remove_from_wrong_multi_is_bad_easy_handle) \
  X(multi_add_handle_calls_timerfunction_from_inside) \
  X(finished_handle_stays_added_and_easy_perform_is_refused_until_removed) \
  X(api_calls_inside_write_callback_are_recursive_but_add_works) \
  X(api_calls_inside_header_callback_are_recursive_but_add_works) \
  X(api_calls_inside_xferinfo_callback_are_recursive_but_add_works) \
  X(api_calls_inside_debug_callback_are_recursive_but_add_works) \
  X(api_calls_inside_socket_callback_are_recursive_but_add_works) \
  X(api_calls_inside_timer_callback_are_recursive_but_add_works) \
  X(remove_handle_mid_transfer_halts_it_without_a_message) \
  X(remove_handle_drops_its_queued_done_message) \
  X(multi_cleanup_with_added_handles_leaves_them_usable) \
  X(sequential_transfers_on_one_multi_reuse_one_connection) \
  X(removing_and_readding_handles_keeps_the_pool) \
  X(forbid_reuse_closes_the_connection_after_the_transfer) \
  X(fresh_connect_opens_a_new_connection) \
  X(maxconnects_one_keeps_one_idle_connection_across_hosts) \
  X(max_host_connections_queues_transfers_beyond_the_limit) \
  X(max_total_connections_queues_transfers_beyond_the_limit) \
  X(resolve_option_sends_a_name_to_the_given_address) \
  X(connect_falls_back_to_the_next_address) \
  X(localhost_is_resolved_and_connected) \
  X(dns_cache_serves_a_second_lookup_within_the_timeout) \
  X(dns_cache_timeout_zero_resolves_every_time) \
  X(info_read_gives_a_done_message_per_transfer_with_its_result) \
  X(get_handles_lists_exactly_the_added_handles) \
  X(multi_poll_with_nothing_to_do_sleeps_its_timeout) \
  X(wakeup_from_another_thread_ends_poll_early) \
  X(wakeup_before_poll_ends_the_next_poll_only) \
  X(wait_and_poll_report_revents_of_an_extra_fd) \
  X(verbose_trace_shows_the_state_path_of_fresh_and_reused_connections) \
  X(setopt_unknown_option_is_unknown_option) \
  X(setopt_unimplemented_option_is_not_built_in_and_named) \
  X(setopt_bad_value_is_bad_function_argument) \
  X(strerror_gives_distinct_texts_for_every_code) \
  X(duphandle_copies_options_and_owns_its_strings) \
  X(reset_restores_default_options) \
  X(getinfo_reports_url_code_version_type_and_private) \
  X(getinfo_times_are_in_transfer_order) \
  X(getinfo_reports_sizes_speeds_and_header_bytes) \
  X(getinfo_reports_addresses_and_connects) \
  X(getinfo_os_errno_after_refused_connect_is_econnrefused) \
  X(httpheader_removes_empties_and_replaces_headers) \
  X(useragent_is_sent_as_user_agent_header) \
  X(postfields_sends_a_form_post_with_the_exact_body) \
  X(postfieldsize_sends_binary_data_with_nul_bytes) \
  X(copypostfields_sends_a_copy_made_at_setopt) \
  X(upload_with_size_sends_a_put_with_the_exact_body) \
  X(upload_without_size_sends_chunked_encoding) \
  X(customrequest_sends_the_given_method) \
  X(nobody_sends_head_and_reads_no_body) \
  X(default_write_puts_the_body_into_the_writedata_file)

/* -- section: curl compatibility (test/test-compat.c) -- */
#define TEST_LIST_COMPAT(X) \
  X(compat_easy_get_example_prints_exact_body_and_exits_0) \
  X(compat_easy_get_example_reports_refused_connection_and_exits_1) \
  X(compat_multi_poll_example_fetches_50_with_at_most_10_connections) \
  X(compat_multi_poll_example_reports_refused_connection_and_exits_1) \
  X(compat_multi_uv_example_fetches_each_url_and_exits_0) \
  X(compat_multi_uv_example_reports_refused_connection_and_exits_1) \
  X(compat_multi_epoll_example_fetches_each_url_and_exits_0) \
  X(compat_multi_epoll_example_reports_refused_connection_and_exits_1) \
  X(compat_multi_select_example_fetches_each_url_and_exits_0) \
  X(compat_multi_select_example_reports_refused_connection_and_exits_1) \
  X(compat_libcurl_program_builds_with_pkg_config_and_runs) \
  X(compat_setopt_unsupported_option_is_not_built_in_and_names_it) \
  X(compat_setopt_made_up_option_is_unknown_option)

/* -- section: ferry-get, the downloader (test/test-ferry-get.c) -- */
#define TEST_LIST_FERRY_GET(X) \
  X(ferry_get_downloads_twenty_files_four_in_flight) \
  X(ferry_get_over_http2_puts_every_transfer_on_one_connection) \
  X(ferry_get_404_exits_nonzero_and_lists_the_failed_url) \
  X(ferry_get_colliding_names_get_suffixes_and_dot_dot_is_refused) \
  X(ferry_get_single_url_without_o_writes_body_to_stdout) \
  X(ferry_get_retries_refused_connection_with_backoff_then_fails) \
  X(ferry_get_sigint_halts_transfers_and_exits_130)

/* -- section: TLS layer (test/test-tls.c) -- */
#define TEST_LIST_TLS(X) \
  X(tls_handshake_then_request_and_response_roundtrip) \
  X(tls_decrypted_bytes_stay_buffered_until_read) \
  X(tls_large_request_and_response_pass_through_whole) \
  X(tls_calls_out_of_order_fail_and_input_is_capped) \
  X(tls_expired_certificate_fails_verification) \
  X(tls_wrong_host_name_fails_verification) \
  X(tls_self_signed_certificate_fails_verification) \
  X(tls_certificate_from_unknown_ca_fails_verification) \
  X(tls_default_ca_bundle_does_not_trust_the_test_ca) \
  X(tls_verifyhost_0_skips_only_the_name_check) \
  X(tls_verifypeer_0_skips_chain_and_name_checks) \
  X(tls_mbedtls_2_28_does_not_match_ip_sans_by_itself) \
  X(tls_mbedtls_2_28_sends_an_ip_hostname_as_sni) \
  X(tls_client_hello_carries_sni_for_names_only) \
  X(tls_server_sees_sni_for_names_and_none_for_ips) \
  X(tls_ip_literal_host_matches_ip_san) \
  X(tls_ip_literal_host_not_in_certificate_is_refused) \
  X(tls_ip_literal_matches_cn_only_without_san_extension) \
  X(tls_bad_ca_file_is_cacert_badfile) \
  X(tls_ca_from_blob_and_from_capath_are_trusted) \
  X(tls_bad_client_certificate_is_certproblem) \
  X(tls_client_certificate_is_accepted_by_server_requiring_one) \
  X(tls_encrypted_client_key_needs_its_password) \
  X(tls_server_requiring_a_client_certificate_refuses_none) \
  X(tls_pinned_sha256_key_must_match) \
  X(tls_pinned_key_file_in_pem_or_der_must_match) \
  X(tls_version_range_is_honoured_and_mismatch_fails) \
  X(tls_cipher_list_takes_openssl_iana_and_mbedtls_names) \
  X(tls_cipher_mismatch_fails_and_unknown_list_is_refused) \
  X(tls_default_curves_put_x25519_and_p256_first) \
  X(tls_ec_curves_sets_the_offer_and_refuses_unknown_names) \
  X(tls_garbage_instead_of_server_hello_fails_fast) \
  X(tls_server_closing_during_handshake_is_connect_error) \
  X(tls_renegotiation_request_is_refused) \
  X(tls_close_notify_from_server_is_reported) \
  X(tls_eof_without_close_notify_is_reported_as_eof) \
  X(tls_client_close_notify_reaches_server) \
  X(tls_session_is_resumed_on_second_connection) \
  X(tls_session_ticket_is_resumed_on_second_connection) \
  X(tls_no_session_is_cached_after_failed_verification) \
  X(tls_session_is_not_reused_across_configs_or_hosts) \
  X(tls_session_cache_keeps_most_recent_within_its_size) \
  X(tls_config_key_differs_when_verify_settings_differ) \
  X(tls_verified_chain_is_remembered_but_stands_in_for_neither_key_nor_name) \
  X(tls_each_failed_allocation_is_out_of_memory_or_harmless)

/* -- section: redirects and credentials (test/test-redirect.c) -- */
#define TEST_LIST_REDIRECT(X) \
  X(redirect_each_code_is_followed_and_only_the_final_body_is_delivered) \
  X(redirect_location_forms_resolve_against_the_current_hop) \
  X(redirect_with_connection_close_continues_on_a_new_connection) \
  X(redirect_not_followed_delivers_its_body_and_gives_redirect_url) \
  X(maxredirs_3_fails_a_loop_after_three_followed_hops) \
  X(maxredirs_0_fails_on_the_first_redirect) \
  X(maxredirs_default_is_30) \
  X(maxredirs_minus_1_follows_40_hops_to_the_200) \
  X(post_redirected_by_301_or_302_becomes_a_get_without_body) \
  X(post_redirected_by_303_becomes_a_get) \
  X(post_redirected_by_307_or_308_is_sent_again_with_the_same_body) \
  X(postredir_bits_keep_post_on_301_302_and_303) \
  X(large_post_redirected_by_308_is_sent_again_whole) \
  X(head_redirected_by_303_stays_head_and_put_becomes_get) \
  X(upload_from_read_callback_redirected_by_307_or_308_is_send_fail_rewind) \
  X(redirect_to_ftp_is_unsupported_protocol) \
  X(redir_protocols_https_refuses_a_redirect_to_http) \
  X(protocols_https_refuses_an_http_url_before_connecting) \
  X(protocols_http_refuses_a_redirect_to_https) \
  X(protocols_list_without_a_known_protocol_is_bad_function_argument) \
  X(malformed_location_is_url_malformat_only_when_following) \
  X(autoreferer_sends_the_previous_url_without_userinfo_or_fragment) \
  X(referer_option_is_sent_on_the_first_request_and_each_hop) \
  X(credentials_of_every_source_are_kept_on_a_same_origin_redirect) \
  X(credentials_of_every_source_are_dropped_on_a_redirect_to_another_port) \
  X(credentials_of_every_source_are_dropped_on_a_redirect_to_another_host) \
  X(credentials_of_every_source_return_with_a_redirect_to_the_first_origin) \
  X(unrestricted_auth_sends_credentials_of_every_source_to_other_origins) \
  X(location_with_its_own_userinfo_to_another_host_sends_no_credentials) \
  X(bearer_token_is_sent_only_when_httpauth_allows_bearer) \
  X(httpauth_ntlm_or_negotiate_alone_is_not_built_in_with_error_text)

/* -- section: transfer flow: decoding, pause, progress (test/test-flow.c) -- */
#define TEST_LIST_FLOW(X) \
  X(flow_accept_encoding_empty_asks_for_deflate_gzip_and_decodes_gzip) \
  X(flow_chunked_gzip_body_in_small_pieces_is_decoded_byte_exact) \
  X(flow_deflate_body_zlib_wrapped_or_raw_is_decoded) \
  X(flow_stacked_gzip_deflate_body_is_decoded_in_reverse_order) \
  X(flow_content_decoding_off_delivers_the_raw_gzip_bytes) \
  X(flow_without_accept_encoding_gzip_body_is_delivered_raw) \
  X(flow_corrupt_gzip_body_is_bad_content_encoding) \
  X(flow_truncated_gzip_body_is_bad_content_encoding) \
  X(flow_brotli_body_is_bad_content_encoding_naming_br) \
  X(flow_five_stacked_gzips_decode_and_six_are_bad_content_encoding) \
  X(flow_gzip_bomb_of_64_mib_is_delivered_in_bounded_memory) \
  X(flow_gzip_bomb_over_maxfilesize_large_is_filesize_exceeded) \
  X(flow_content_length_over_maxfilesize_fails_before_any_body_byte) \
  X(flow_chunked_body_passing_maxfilesize_is_filesize_exceeded) \
  X(flow_uv_write_pause_resumed_from_timer_delivers_all_once_in_order) \
  X(flow_uv_write_pause_on_gzip_body_delivers_decoded_bytes_once) \
  X(flow_uv_pause_recv_called_in_write_callback_holds_rest_until_resume) \
  X(flow_perform_write_pause_on_gzip_body_resumed_from_loop_delivers_once) \
  X(flow_paused_transfer_still_times_out) \
  X(flow_uv_paused_gzip_bomb_holds_bounded_memory) \
  X(flow_uv_paused_stacked_gzip_bomb_is_too_large_in_bounded_memory) \
  X(flow_uv_read_pause_resumed_with_pause_cont_uploads_exact_body) \
  X(flow_read_abort_is_aborted_by_callback) \
  X(flow_xferinfo_sees_growing_dlnow_and_content_length_every_second) \
  X(flow_xferinfo_nonzero_return_is_aborted_by_callback) \
  X(flow_low_speed_limit_ignores_a_pause_and_restarts_after_it)

/* -- section: HTTPS through the engine (test/test-https.c) -- */
#define TEST_LIST_HTTPS(X) \
  X(https_get_with_test_ca_is_ok_and_appconnect_is_between_connect_and_pretransfer) \
  X(https_verification_is_on_by_default_and_system_bundle_rejects_test_ca) \
  X(https_expired_wrong_host_self_signed_and_unknown_ca_fail_verification) \
  X(https_verifyhost_0_accepts_wrong_host_but_still_rejects_unknown_ca) \
  X(https_verifypeer_0_accepts_every_bad_certificate) \
  X(https_ip_literal_url_matches_ip_san_and_refuses_a_certificate_for_another_ip) \
  X(https_sni_is_sent_for_a_host_name_and_not_for_an_ip_literal) \
  X(https_bad_cainfo_path_is_cacert_badfile) \
  X(https_bad_client_certificate_is_certproblem) \
  X(https_client_certificate_is_accepted_by_a_server_requiring_one) \
  X(https_pinned_public_key_match_is_ok_and_mismatch_is_pinnedpubkeynotmatch) \
  X(https_max_tls11_against_a_tls12_only_server_is_connect_error) \
  X(https_cipher_mismatch_is_connect_error_and_unknown_list_is_ssl_cipher) \
  X(https_ec_curves_mismatch_is_connect_error_and_unknown_name_is_ssl_cipher) \
  X(https_duphandle_copies_the_tls_options) \
  X(https_tls_options_changed_on_a_handle_take_effect_on_its_next_transfer) \
  X(https_server_closing_mid_handshake_is_connect_error) \
  X(https_garbage_instead_of_server_hello_fails_fast) \
  X(https_renegotiation_request_is_refused_and_transfer_ends) \
  X(https_eof_framed_body_ended_without_close_notify_is_recv_error) \
  X(https_complete_content_length_body_then_close_without_close_notify_is_ok) \
  X(https_eof_framed_body_ended_with_close_notify_is_ok) \
  X(https_sequential_transfers_on_one_multi_reuse_one_connection) \
  X(https_certinfo_lists_the_server_chain_and_is_empty_when_off) \
  X(https_certinfo_is_the_same_for_a_transfer_on_a_pooled_connection) \
  X(https_connection_is_not_reused_under_other_verification_settings) \
  X(https_second_connection_to_a_host_resumes_the_session) \
  X(https_failed_verification_caches_no_session) \
  X(https_twenty_transfers_in_uv_mode) \
  X(https_twenty_transfers_in_socket_action_mode) \
  X(https_twenty_transfers_in_perform_poll_mode) \
  X(https_nginx_thousand_transfers_fifty_in_flight_reuse_and_resume) \
  X(https_oom_each_allocation_of_easy_perform_fails_cleanly) \
  X(https_to_http_redirect_sends_no_credentials_in_cleartext) \
  X(https_through_an_http_proxy_tunnels_and_verifies_the_origin)

/* -- section: libuv conveniences (test/test-embed.c); the tsan mode of
 *    test/run runs the tests whose names start with embed_ -- */
#define TEST_LIST_EMBED(X) \
  X(embed_done_callback_may_readd_remove_and_clean_up) \
  X(embed_submit_from_another_thread_runs_on_the_loop) \
  X(embed_cancel_from_another_thread_ends_the_transfer) \
  X(embed_priority_decides_which_queued_transfer_starts_next)

/* -- section: proxies (test/test-proxy.c) -- */
#define TEST_LIST_PROXY(X) \
  X(proxy_http_request_goes_to_the_proxy_in_absolute_form) \
  X(proxy_tunnel_sends_connect_then_the_request_through_it) \
  X(proxy_tunnel_refused_is_couldnt_connect_with_the_code) \
  X(proxy_environment_and_noproxy_decide_the_route) \
  X(proxy_unresolvable_is_couldnt_resolve_proxy_and_bad_scheme_is_refused) \
  X(proxy_redirect_to_another_origin_keeps_the_proxy_credentials_only)

/* -- section: HSTS (test/test-hsts.c) -- */
#define TEST_LIST_HSTS(X) \
  X(hsts_parse_takes_the_rfc6797_examples) \
  X(hsts_parse_ignores_unknown_directives) \
  X(hsts_parse_refuses_invalid_headers_whole) \
  X(hsts_store_notes_updates_and_removes_hosts) \
  X(hsts_lookup_is_exact_or_a_parent_with_subdomains) \
  X(hsts_ip_addresses_are_never_noted_nor_known) \
  X(hsts_entries_expire_at_max_age) \
  X(hsts_store_is_capped_and_drops_what_expires_first) \
  X(hsts_expiry_is_written_and_read_as_libcurl_does) \
  X(hsts_file_lines_are_read_as_libcurl_reads_them) \
  X(hsts_file_is_written_byte_for_byte_as_libcurl_writes_it) \
  X(hsts_file_libcurl_wrote_is_read_and_written_back_the_same) \
  X(hsts_read_callback_fills_the_store_until_done) \
  X(hsts_read_callback_fail_and_empty_name_are_errors) \
  X(hsts_write_callback_gets_every_entry_with_its_index) \
  X(hsts_https_header_sends_later_http_urls_to_https_first) \
  X(hsts_known_host_gets_no_byte_over_plain_http) \
  X(hsts_redirect_to_http_of_a_known_host_goes_https) \
  X(hsts_header_over_plain_http_or_unverified_https_is_ignored) \
  X(hsts_only_the_first_header_of_a_response_counts) \
  X(hsts_file_is_read_at_transfer_start_and_written_at_cleanup) \
  X(hsts_readonlyfile_is_never_written) \
  X(hsts_callbacks_see_the_entries_with_their_indexes) \
  X(hsts_read_callback_fail_fails_the_transfer_before_connecting) \
  X(hsts_options_turn_the_store_on_and_off_as_libcurl) \
  X(hsts_oom_each_allocation_of_the_store_fails_cleanly) \
  X(hsts_oom_each_allocation_of_hsts_transfers_fails_cleanly)

/* -- section: cookie engine (test/test-cookie.c) -- */
#define TEST_LIST_COOKIE(X) \
  X(cookie_set_cookie_attributes_are_parsed_and_stored) \
  X(cookie_malformed_set_cookie_is_rejected_with_a_reason) \
  X(cookie_default_path_is_the_request_directory) \
  X(cookie_domain_attribute_must_domain_match_the_host) \
  X(cookie_is_never_sent_to_other_hosts_or_sibling_domains) \
  X(cookie_path_match_follows_rfc_6265) \
  X(cookie_secure_is_sent_only_over_https_and_set_only_from_https) \
  X(cookie_httponly_flag_is_kept_and_written_with_its_prefix) \
  X(cookie_dates_parse_in_every_common_format) \
  X(cookie_expires_and_max_age_expire_cookies_and_max_age_wins) \
  X(cookie_same_name_domain_and_path_replaces_and_keeps_its_age) \
  X(cookie_header_goes_longer_path_domain_name_first_then_newer) \
  X(cookie_caps_per_domain_and_in_total_drop_the_oldest) \
  X(cookie_larger_than_4096_bytes_is_rejected) \
  X(cookie_header_stops_before_8190_bytes) \
  X(cookie_netscape_file_round_trips_every_field) \
  X(cookie_netscape_malformed_lines_are_skipped) \
  X(cookie_transfer_set_cookie_is_sent_back_on_the_handles_next_request) \
  X(cookie_transfer_without_the_engine_ignores_set_cookie) \
  X(cookie_transfer_cookie_for_another_domain_is_never_sent) \
  X(cookie_transfer_cookies_set_along_a_redirect_chain_go_to_the_next_hops) \
  X(cookie_transfer_cookie_option_shares_the_line_and_yields_to_a_user_header) \
  X(cookie_transfer_cookiejar_is_written_at_cleanup_and_read_with_cookiefile) \
  X(cookie_transfer_cookielist_all_sess_flush_and_reload) \
  X(cookie_info_cookielist_gives_netscape_lines_to_free) \
  X(cookie_oom_each_allocation_of_the_jar_fails_cleanly) \
  X(cookie_oom_each_allocation_of_cookie_transfers_fails_cleanly)

/* -- section: uploads (test/test-upload.c) -- */
#define TEST_LIST_UPLOAD(X) \
  X(upload_expect_100_sends_the_body_after_continue) \
  X(upload_final_answer_before_the_body_skips_the_body) \
  X(upload_expect_timeout_sends_the_body_anyway) \
  X(upload_seekfunction_sends_the_body_again_after_a_307) \
  X(upload_seekfunction_failing_is_send_fail_rewind)

/* -- section: header, escape, option-info and URL APIs (test/test-apis.c) -- */
#define TEST_LIST_APIS(X) \
  X(apis_header_api_sees_every_response_of_a_redirect_chain) \
  X(apis_header_api_answers_in_header_callback_and_restarts_per_transfer) \
  X(apis_header_api_marks_a_proxy_connect_answer_as_connect) \
  X(apis_header_store_unfolds_marks_origins_and_checks_prev) \
  X(apis_header_store_keeps_a_small_chunk_across_transfers_only) \
  X(apis_header_store_refuses_to_pass_its_cap) \
  X(apis_headers_of_a_transfer_past_the_cap_are_too_large) \
  X(apis_escape_keeps_only_unreserved_and_unescape_reverses_it) \
  X(apis_option_by_name_and_by_id_find_every_table_row) \
  X(apis_option_aliases_are_flagged_and_next_lists_every_row_once) \
  X(apis_url_get_gives_every_part_of_a_parsed_url) \
  X(apis_url_ports_and_schemes_follow_the_flags) \
  X(apis_url_ipv6_host_keeps_its_zone_id_apart) \
  X(apis_url_built_from_parts_with_encoding_and_appended_query) \
  X(apis_url_relative_reference_resolves_against_the_held_url) \
  X(apis_url_errors_have_libcurl_codes_and_change_nothing) \
  X(apis_url_empty_parts_dup_path_as_is_and_encodings_on_get) \
  X(apis_url_oom_each_allocation_fails_cleanly) \
  X(apis_libcurl_names_reach_the_same_functions)

/* -- section: HTTP authentication (test/test-auth.c) -- */
#define TEST_LIST_AUTH(X) \
  X(auth_digest_answers_the_rfc_examples) \
  X(auth_digest_challenges_are_found_and_bad_ones_refused) \
  X(auth_digest_answers_a_401_on_the_same_connection) \
  X(auth_digest_refused_twice_ends_with_the_second_401) \
  X(auth_basic_or_digest_asks_first_and_takes_basic_if_only_that_is_offered) \
  X(auth_digest_post_sends_the_body_again_with_the_method_in_the_hash)

/* -- section: the benchmark's smoke test (test/test-bench.c) -- */
#define TEST_LIST_BENCH(X) \
  X(bench_smoke_small16_runs_every_client_without_errors)

/* -- section: documentation kept true (test/test-docs.c) -- */
#define TEST_LIST_DOCS(X) \
  X(docs_readme_coverage_matches_the_name_table)

/* -- section: request and connection options (test/test-options.c) -- */
#define TEST_LIST_OPTIONS(X) \
  X(range_option_sends_range_bytes_in_each_form) \
  X(resume_from_asks_from_the_offset_and_takes_a_matching_206) \
  X(resume_from_answered_without_the_range_is_range_error) \
  X(resume_from_at_the_documents_end_is_ok_without_a_body) \
  X(resume_from_answered_416_is_ok_and_its_body_is_dropped) \
  X(resume_from_on_an_upload_skips_what_the_server_has) \
  X(http_version_1_0_sends_an_http10_request_and_the_answer_keeps_the_connection) \
  X(http_version_3_is_unsupported_protocol_and_2_is_taken) \
  X(http_version_1_0_upload_of_unknown_size_is_upload_failed) \
  X(timecondition_sends_its_header_with_an_http_date) \
  X(timecondition_unmet_by_a_304_or_the_last_modified_is_condition_unmet) \
  X(headeropt_decides_which_header_lists_a_proxy_gets) \
  X(trailer_function_sends_its_trailers_after_the_last_chunk) \
  X(maxage_conn_closes_a_connection_idle_for_longer) \
  X(maxlifetime_conn_closes_a_connection_made_longer_ago) \
  X(tcp_keepalive_sets_its_options_on_new_sockets) \
  X(connect_to_sends_the_connection_elsewhere_and_keeps_the_url_host) \
  X(unix_socket_path_connects_to_the_socket_and_keeps_the_url_host) \
  X(localport_binds_the_port_and_one_in_use_is_interface_failed) \
  X(interface_binds_the_local_end_and_refuses_what_it_cannot_bind) \
  X(max_recv_speed_paces_a_download_and_the_loop_sleeps_meanwhile) \
  X(max_send_speed_paces_an_upload) \
  X(options_setopt_checks_values_and_duphandle_copies_strings)

/* -- section: the rest of libcurl's small API (test/test-miscapi.c,
 *    test/test-netrc.c) -- */
#define TEST_LIST_MISCAPI(X) \
  X(misc_version_info_fills_every_field_of_libcurls_newest_struct) \
  X(misc_global_sslset_picks_mbedtls_by_id_or_name_and_lists_it) \
  X(misc_global_trace_takes_any_config_and_changes_nothing) \
  X(misc_url_strerror_gives_each_code_its_text) \
  X(misc_easy_upkeep_sends_nothing_and_keeps_the_connection) \
  X(misc_option_listing_has_every_option_of_libcurl_8_17) \
  X(misc_libcurl_program_tests_the_version_and_ignores_deprecation) \
  X(progressfunction_gets_doubles_and_xferinfo_wins_when_both_are_set) \
  X(default_protocol_gives_a_url_without_scheme_its_scheme) \
  X(request_target_replaces_the_path_in_every_request) \
  X(followlocation_modes_decide_a_custom_method_after_a_redirect) \
  X(ssl_sessionid_cache_0_turns_resumption_off) \
  X(ssls_export_and_import_make_a_new_multi_resume) \
  X(ssls_import_refuses_what_is_not_a_session_and_easy_perform_uses_it) \
  X(ssls_export_and_import_use_the_shares_session_cache) \
  X(ca_cache_timeout_decides_when_the_ca_file_is_read_again) \
  X(sslcerttype_reads_pem_and_der_and_says_why_it_cannot_read_p12) \
  X(address_scope_is_the_scope_of_an_ipv6_address_without_one) \
  X(quick_exit_lets_cleanup_leave_a_hung_lookup_behind) \
  X(server_response_timeout_is_taken_and_leaves_http_alone) \
  X(infos_referer_xfer_id_and_conn_id_say_what_the_transfer_used) \
  X(infos_auth_used_and_avail_name_the_schemes) \
  X(infos_proxyauth_used_and_avail_and_used_proxy) \
  X(infos_size_delivered_counts_what_the_write_callback_got) \
  X(infos_queue_time_counts_the_wait_for_a_connection_slot) \
  X(cookielist_netscape_line_keeps_its_expiry_set_cookie_is_capped) \
  X(netrc_takes_the_first_entry_for_the_host_with_credentials) \
  X(netrc_login_asked_for_takes_only_that_logins_entry) \
  X(netrc_default_matches_any_host_and_needs_credentials) \
  X(netrc_login_or_password_alone_gives_the_other_empty) \
  X(netrc_quoted_strings_hold_blanks_and_escapes) \
  X(netrc_skips_comments_macros_account_and_unknown_words) \
  X(netrc_bad_quoting_and_long_tokens_are_syntax_errors) \
  X(netrc_reads_only_len_bytes_and_nul_ends_a_token) \
  X(netrc_each_failed_allocation_is_out_of_memory) \
  X(netrc_optional_sends_the_files_credentials_for_the_host) \
  X(netrc_required_fails_on_a_missing_or_broken_file_optional_goes_on) \
  X(netrc_file_comes_from_netrc_env_else_home) \
  X(netrc_credentials_go_only_to_the_host_they_are_for)

/* -- section: the Node-API addon (test/test-node.c) -- */
/* -- section: the event-loop contract (test/test-loop.c) -- */
#define TEST_LIST_LOOP(X) \
  X(loop_uv_socket_action_run_returns_with_connections_pooled) \
  X(loop_libevent_dispatch_returns_with_connections_pooled) \
  X(loop_epoll_callbacks_set_after_adding_end_with_the_work) \
  X(loop_uv_idle_connection_closed_unwatched_is_replaced) \
  X(loop_libevent_idle_connection_closed_unwatched_is_replaced) \
  X(loop_epoll_idle_connection_closed_unwatched_is_replaced) \
  X(loop_switch_timer_set_then_cleared_then_perform_and_poll) \
  X(loop_switch_callbacks_set_after_adding_then_socket_action_kick) \
  X(loop_switch_callbacks_set_then_cleared_moves_to_perform) \
  X(loop_switch_perform_then_socket_action_then_perform) \
  X(loop_switch_callbacks_set_while_driving_with_perform) \
  X(loop_switch_idle_closed_in_socket_action_then_reused_by_perform) \
  X(loop_switch_idle_closed_in_perform_then_reused_by_socket_action) \
  X(loop_uv_mode_idle_connection_closed_while_unpolled_is_replaced) \
  X(loop_uv_mode_timer_never_rearms_zero_from_its_own_callback) \
  X(loop_perform_mode_runs_the_timer_once_per_perform) \
  X(loop_internal_socket_is_watched_only_while_a_lookup_runs)

#define TEST_LIST_NODE(X) \
  X(node_addon_builds_hidden_and_its_node_tests_pass)

/* -- section: the scripted HTTP/2 server (test/test-h2server.c) -- */
#define TEST_LIST_H2SERVER(X) \
  X(h2server_get_over_prior_knowledge_returns_the_scripted_response) \
  X(h2server_tls_with_alpn_h2_speaks_http2) \
  X(h2server_tls_without_h2_in_alpn_answers_in_http1) \
  X(h2server_upgrade_h2c_answers_on_stream_1_then_speaks_http2) \
  X(h2server_refused_upgrade_is_answered_in_http1) \
  X(h2server_hundred_streams_are_open_at_once_on_one_connection) \
  X(h2server_max_concurrent_streams_limits_open_streams) \
  X(h2server_body_goes_in_data_frames_of_the_configured_size) \
  X(h2server_rst_stream_before_headers_after_headers_and_mid_body) \
  X(h2server_goaway_at_start_after_requests_and_on_a_path) \
  X(h2server_goaway_with_reset_and_goaway_command) \
  X(h2server_pings_from_the_server_are_acked_and_counted) \
  X(h2server_push_promise_delivers_the_pushed_response) \
  X(h2server_zero_initial_window_stalls_an_upload_until_told) \
  X(h2server_withheld_window_update_stalls_an_upload_until_released) \
  X(h2server_early_response_goes_out_before_the_request_ends) \
  X(h2server_sends_informational_responses_and_trailers) \
  X(h2server_echo_returns_the_uploaded_body_and_records_trailers) \
  X(h2server_raw_bytes_are_injected_where_scripted) \
  X(h2server_injected_floods_and_malformed_frames_reach_the_client) \
  X(h2server_records_the_client_frames_with_their_values) \
  X(h2server_content_length_that_disagrees_is_sent_as_scripted) \
  X(h2server_raw_headers_are_sent_exactly) \
  X(h2server_no_http_messaging_records_requests_nghttp2_would_reset) \
  X(h2server_settings_from_the_config_reach_the_client) \
  X(h2server_bad_client_preface_ends_the_connection) \
  X(h2server_stop_closes_connections_still_open) \
  X(h2server_serves_h2load_1000_requests_at_10_streams) \
  X(h2server_raw_frame_writers_build_exact_bytes)

/* -- section: WebSocket codec and test server (test/test-ws.c) -- */
#define TEST_LIST_WS(X) \
  X(ws_accept_is_the_rfc6455_example) \
  X(ws_key_is_base64_of_sixteen_fresh_random_bytes) \
  X(ws_handshake_check_accepts_a_good_101_and_names_each_failure) \
  X(ws_utf8_check_takes_every_boundary_and_refuses_what_rfc3629_does) \
  X(ws_encoder_writes_the_rfc6455_masked_examples_byte_for_byte) \
  X(ws_encoder_masks_a_frame_sent_in_pieces_at_any_offset) \
  X(ws_encoder_takes_a_fresh_random_mask_for_every_frame) \
  X(ws_encoder_refuses_frames_rfc6455_forbids_and_changes_nothing) \
  X(ws_close_payload_carries_status_and_utf8_reason_or_is_refused) \
  X(ws_decoder_reads_the_rfc6455_unmasked_examples) \
  X(ws_decoder_gives_the_same_events_a_byte_at_a_time_as_whole) \
  X(ws_decoder_fails_each_violation_with_its_code_and_close_status) \
  X(ws_decoder_delivers_the_valid_text_before_a_bad_byte) \
  X(ws_decoder_accepts_caps_exactly_at_the_limit_and_valid_closes) \
  X(ws_decoder_pauses_after_an_event_and_goes_on) \
  X(ws_decoder_ends_on_a_failing_callback_and_on_eof_says_where) \
  X(ws_encoder_frames_unmasked_decode_to_what_was_sent) \
  X(wsserver_answers_the_handshake_and_records_the_request_exactly) \
  X(wsserver_echoes_messages_and_records_every_client_frame) \
  X(wsserver_sends_scripted_frames_fragmented_large_and_in_delayed_pieces) \
  X(wsserver_ping_step_records_whether_the_pong_matched_and_close_step_its_echo) \
  X(wsserver_answers_pings_unless_told_not_to_and_never_inside_a_frame) \
  X(wsserver_faults_reach_the_codec_as_its_errors) \
  X(wsserver_sends_a_close_without_status_raw_bytes_or_silence) \
  X(wsserver_refuses_a_bad_handshake_request_and_says_why) \
  X(wsserver_over_tls_runs_the_same_exchange) \
  X(wsserver_serves_the_python_websockets_client) \
  X(ws_codec_talks_to_the_python_websockets_server)

/* -- section: HTTP/2 complete: per stream, per connection, hostile peers,
 *    push, upgrade, nginx (test/test-h2.c) -- */
#define TEST_LIST_H2FULL(X) \
  X(h2_upload_of_known_size_goes_in_data_frames_under_flow_control) \
  X(h2_upload_of_unknown_size_ends_with_the_trailer_callbacks_trailers) \
  X(h2_upload_paused_by_the_read_callback_resumes_with_easy_pause) \
  X(h2_upload_waits_for_a_server_that_opens_its_window_later) \
  X(h2_postfields_small_and_large_are_sent_whole) \
  X(h2_paused_stream_keeps_its_window_closed_while_others_finish) \
  X(h2_max_recv_speed_and_max_send_speed_cap_a_stream) \
  X(h2_response_trailers_go_to_the_header_callback_and_easy_header) \
  X(h2_informational_responses_come_before_the_final_one) \
  X(h2_rst_stream_ends_only_that_transfer) \
  X(h2_refused_stream_is_sent_again_five_times_then_fails) \
  X(h2_redirect_and_digest_auth_go_over_the_same_connection) \
  X(h2_gzip_body_is_decoded_head_gets_no_body_failonerror_fails) \
  X(h2_getinfo_reports_version_connects_sizes_and_addresses) \
  X(h2_goaway_streams_above_the_last_go_to_a_new_connection) \
  X(h2_goaway_during_an_upload_sends_it_again_on_a_new_connection) \
  X(h2_idle_connection_the_server_ended_is_not_used_again) \
  X(h2_socket_action_idle_connection_the_server_ended_is_not_reused) \
  X(h2_easy_upkeep_pings_an_idle_connection) \
  X(h2_server_max_concurrent_streams_holds_the_rest_back) \
  X(h2_connection_window_keeps_parallel_downloads_going) \
  X(h2_server_push_is_refused_without_a_push_function) \
  X(h2_server_push_becomes_a_new_handle_with_push_ok) \
  X(h2_server_push_deny_resets_it_and_errorout_fails_the_parent) \
  X(h2_hostile_malformed_frame_fails_the_connection_with_http2) \
  X(h2_hostile_header_section_over_the_cap_fails_that_stream_only) \
  X(h2_hostile_continuation_flood_ends_the_connection) \
  X(h2_hostile_settings_and_ping_floods_end_the_connection) \
  X(h2_hostile_rst_flood_ends_one_stream_and_spares_the_other) \
  X(h2_hostile_push_when_refused_is_a_connection_error) \
  X(h2_hostile_content_length_that_disagrees_with_the_data) \
  X(h2_hostile_window_never_opened_ends_by_timeout_without_spinning) \
  X(h2_upgrade_h2c_switches_and_the_answer_comes_on_stream_1) \
  X(h2_upgrade_ignored_or_with_a_body_stays_http11) \
  X(h2_oom_each_allocation_of_an_exchange_fails_cleanly) \
  X(h2_nginx_thousand_transfers_at_hundred_in_flight_on_one_connection)

/* -- section: HTTP/2 through the engine (test/test-h2.c) -- */
#define TEST_LIST_H2(X) \
  X(h2_prior_knowledge_get_gives_status_headers_and_body) \
  X(h2_over_tls_is_chosen_by_alpn_by_default) \
  X(h2_http_version_1_1_over_tls_offers_only_http11) \
  X(h2_hundred_transfers_share_one_connection)

/* -- section: multipart forms, MIME and formadd (test/test-mime.c) -- */
#define TEST_LIST_MIME(X) \
  X(mime_text_file_and_callback_fields_match_libcurl) \
  X(mime_callback_of_unknown_size_leaves_the_size_unknown) \
  X(mime_names_are_percent_escaped_or_backslash_escaped) \
  X(mime_default_content_types_follow_filenames_like_libcurl) \
  X(mime_every_encoder_matches_libcurl) \
  X(mime_base64_lines_and_padding_match_libcurl) \
  X(mime_quoted_printable_line_rules_match_libcurl) \
  X(mime_quoted_printable_of_every_byte_from_each_source) \
  X(mime_part_headers_meet_generated_ones_like_libcurl) \
  X(mime_nested_multiparts_match_libcurl) \
  X(mime_empty_form_and_bare_parts_match_libcurl) \
  X(mime_users_content_type_gets_the_boundary_and_sets_dispositions) \
  X(mime_file_is_opened_when_its_part_starts_and_closed_at_its_end) \
  X(mime_100_mib_file_part_streams_without_growing_memory) \
  X(mime_size_is_unknown_when_a_part_size_is) \
  X(mime_missing_file_fails_with_read_error_after_its_headers) \
  X(mime_file_that_changes_size_is_a_read_error_not_a_bad_body) \
  X(mime_7bit_part_fails_at_a_byte_above_127_after_the_ones_before) \
  X(mime_callback_pause_and_abort_reach_the_reader) \
  X(mime_callback_giving_another_size_than_it_said_is_a_read_error) \
  X(mime_callback_returning_more_than_asked_is_a_read_error) \
  X(mime_rewind_starts_over_and_seeks_callback_parts_that_were_read) \
  X(mime_rewind_fails_for_callback_parts_that_cannot_seek) \
  X(mime_api_checks_its_arguments_and_owns_what_it_says) \
  X(mime_boundaries_are_24_dashes_and_22_random_alphanumerics) \
  X(mime_dup_gives_the_same_bytes_with_a_boundary_of_its_own) \
  X(mime_options_pick_the_body_and_duphandle_copies_the_form) \
  X(form_every_formadd_option_sends_libcurls_bytes) \
  X(form_formget_serialises_like_libcurl) \
  X(form_formadd_errors_have_libcurls_codes_and_add_nothing) \
  X(form_formadd_fills_libcurls_struct_and_appends_in_order) \
  X(mime_post_sends_libcurls_request_for_text_file_and_callback) \
  X(mime_post_307_redirect_sends_the_whole_form_again) \
  X(mime_post_of_unknown_size_goes_chunked_after_100_continue) \
  X(mime_post_users_content_type_carries_the_boundary) \
  X(httppost_sends_libcurls_request_for_every_formadd_option) \
  X(mime_post_failures_end_the_transfer_with_their_codes) \
  X(mime_oom_each_allocation_of_building_and_reading_fails_cleanly)

/* -- section: libcurl 8.x multi calls (test/test-multi-api.c) -- */
#define TEST_LIST_MULTI_API(X) \
  X(multi_notify_info_read_lets_a_loop_program_read_every_message) \
  X(multi_notify_easy_done_names_each_transfer_once_in_perform_mode) \
  X(multi_notify_enable_checks_its_arguments) \
  X(multi_get_offt_counts_transfers_through_their_life) \
  X(multi_waitfds_counts_then_fills_and_checks_misuse) \
  X(multi_network_changed_clear_conns_closes_idle_and_connects_anew) \
  X(multi_network_changed_clear_dns_looks_names_up_again)

/* -- section: CONNECT_ONLY, ferry_easy_send and recv (test/test-raw.c) -- */
#define TEST_LIST_RAW(X) \
  X(raw_connect_only_perform_hands_the_connection_over) \
  X(raw_connect_only_never_reuses_and_closes_at_the_next_transfer) \
  X(raw_connect_only_through_a_proxy_tunnel) \
  X(raw_connect_only_over_tls_offers_only_http11_to_an_h2_server) \
  X(raw_connect_only_tls_end_is_clean_only_with_close_notify) \
  X(raw_tls_send_that_fills_the_socket_says_again_and_loses_nothing) \
  X(raw_connect_only_on_a_uv_loop_ends_the_loop_and_closes_at_removal) \
  X(raw_connect_only_socket_callback_hears_remove_at_the_hand_over) \
  X(raw_connect_only_holds_its_host_slot_until_removed) \
  X(raw_send_to_a_closed_peer_is_a_send_error_not_sigpipe) \
  X(raw_send_and_recv_check_their_arguments_and_say_why) \
  X(raw_connect_only_that_cannot_connect_fails_like_any_transfer)

/* -- section: the differential test, libcurl vs ferry (test/test-diff.c) -- */
#define TEST_LIST_DIFF(X) \
  X(server_routes_answer_by_request_and_send_100_continue) \
  X(diff_get) \
  X(diff_post) \
  X(diff_put) \
  X(diff_headers) \
  X(diff_redirect) \
  X(diff_cookies) \
  X(diff_auth) \
  X(diff_range) \
  X(diff_timecond) \
  X(diff_encoding) \
  X(diff_failonerror) \
  X(diff_head) \
  X(diff_headerapi) \
  X(diff_connectonly) \
  X(diff_urlapi) \
  X(diff_escape) \
  X(diff_options) \
  X(diff_multi) \
  X(diff_socket_epoll) \
  X(diff_errors) \
  X(diff_easy_get) \
  X(diff_multi_poll) \
  X(diff_multi_select) \
  X(diff_multi_uv) \
  X(diff_multi_epoll) \
  X(diff_urls)

/* -- section: libcurl behaviours the differential test found
 *    (test/test-libcurl-compat.c) -- */
#define TEST_LIST_LIBCURL_COMPAT(X) \
  X(libcurl_compat_post_puts_content_type_before_expect) \
  X(libcurl_compat_getinfo_upload_length_and_effective_url) \
  X(libcurl_compat_no_content_and_not_modified_have_length_0) \
  X(libcurl_compat_postfields_leave_nobody_and_upload_in_force) \
  X(libcurl_compat_digest_names_the_algorithm_only_when_asked) \
  X(libcurl_compat_secure_cookies_work_on_loopback_over_http) \
  X(libcurl_compat_request_size_counts_a_small_body_sent_with_the_head) \
  X(libcurl_compat_cookie_file_takes_set_cookie_lines) \
  X(libcurl_compat_cookie_header_and_jar_go_in_libcurls_order) \
  X(libcurl_compat_url_api_parses_urls_as_libcurl_8_11) \
  X(libcurl_compat_maxredirs_counts_the_last_redirect_body) \
  X(libcurl_compat_unfollowable_location_ends_after_the_response) \
  X(libcurl_compat_any_3xx_location_is_followed_and_encoded) \
  X(libcurl_compat_auth_retry_counts_as_a_redirect) \
  X(libcurl_compat_auth_state_stays_on_the_handle_until_reset) \
  X(libcurl_compat_digest_new_nonce_without_stale_ends_the_asking) \
  X(libcurl_compat_digest_body_waits_behind_an_empty_probe) \
  X(libcurl_compat_transfer_urls_read_as_libcurl) \
  X(libcurl_compat_url_login_takes_control_bytes_but_nul) \
  X(libcurl_compat_hosts_match_without_case_for_connections_and_cookies) \
  X(libcurl_compat_hsts_matches_hosts_without_case) \
  X(libcurl_compat_redirect_locations_read_as_libcurl) \
  X(libcurl_compat_proxy_urls_read_as_libcurl) \
  X(libcurl_compat_url_api_joins_references_as_libcurl_8_11) \
  X(libcurl_compat_chunked_trailers_and_raw_data_in) \
  X(libcurl_compat_trailer_without_colon_is_bad_function_argument) \
  X(libcurl_compat_header_option_writes_each_line_before_its_callback) \
  X(libcurl_compat_size_upload_counts_chunk_framing) \
  X(libcurl_compat_maxfilesize_fails_before_the_blank_line) \
  X(libcurl_compat_unknown_content_encoding_fails_at_the_body) \
  X(libcurl_compat_http10_request_keeps_a_connection_the_answer_keeps) \
  X(libcurl_compat_http1_responses_are_taken_as_libcurl_takes_them) \
  X(libcurl_compat_status_lines_on_a_reused_connection) \
  X(libcurl_compat_interim_responses_are_skipped_whatever_they_say) \
  X(libcurl_compat_control_bytes_in_values_pass_and_bad_chunk_ends_fail)

/* -- section: socket callbacks and PREREQFUNCTION (test/test-sockcb.c) -- */
#define TEST_LIST_SOCKCB(X) \
  X(sockcb_open_callback_sees_the_address_and_its_socket_is_used) \
  X(sockcb_open_callback_has_room_for_an_ipv6_address) \
  X(sockcb_open_callback_moves_the_connection_to_another_server) \
  X(sockcb_open_callback_bad_socket_fails_with_couldnt_connect) \
  X(sockcb_open_callback_refusing_an_address_goes_on_to_the_next) \
  X(sockcb_open_callback_giving_a_socket_ferry_uses_is_refused) \
  X(sockcb_sockopt_callback_runs_after_socket_options_before_connect) \
  X(sockcb_sockopt_error_fails_with_aborted_by_callback) \
  X(sockcb_sockopt_already_connected_skips_connect) \
  X(sockcb_close_callback_gets_ferrys_own_sockets_too) \
  X(sockcb_close_callback_of_a_pooled_connection_outlives_its_easy) \
  X(sockcb_socket_callback_hears_remove_before_the_close_callback) \
  X(sockcb_prereq_sees_the_connection_addresses_new_and_reused) \
  X(sockcb_prereq_is_called_for_every_redirect_hop) \
  X(sockcb_prereq_abort_fails_with_42_and_sends_nothing) \
  X(sockcb_prereq_abort_leaves_an_http2_connection_for_others) \
  X(sockcb_prereq_runs_for_connect_only_too) \
  X(sockcb_happy_eyeballs_calls_open_for_each_racing_attempt) \
  X(sockcb_duphandle_copies_and_reset_clears_the_callbacks) \
  X(sockcb_api_calls_inside_the_callbacks_are_recursive) \
  X(sockcb_libcurl_and_ferry_builds_agree)


/* -- section: the share interface (test/test-share.c, diff_share in
 *    test/test-diff.c) -- */
#define TEST_LIST_SHARE(X) \
  X(share_errors_and_misuse_answer_as_libcurl) \
  X(share_cannot_be_changed_on_a_handle_whose_transfer_runs) \
  X(share_cookies_two_handles_see_each_others_cookies) \
  X(share_dns_second_handle_does_not_resolve_again) \
  X(share_dns_lookup_in_flight_in_another_multi_is_not_waited_for) \
  X(share_dns_resolve_entries_serve_every_handle_of_the_share) \
  X(share_tls_session_of_one_handle_is_resumed_by_another) \
  X(share_connect_second_easy_perform_reuses_the_first_connection) \
  X(share_connect_a_multi_and_an_easy_perform_reuse_each_others_connection) \
  X(share_connect_idle_connection_the_server_closed_is_not_used) \
  X(share_hsts_one_handle_learns_a_host_the_other_goes_https) \
  X(share_lock_callbacks_come_in_pairs_with_the_right_data_and_access) \
  X(share_oom_each_allocation_of_shared_transfers_fails_cleanly) \
  X(share_threads_two_threads_share_dns_cookies_and_tls_sessions) \
  X(diff_share)

/* -- section: WebSocket transfers (test/test-wsx.c) -- */
#define TEST_LIST_WSX(X) \
  X(wsx_callback_mode_delivers_frames_with_meta_and_answers_the_close) \
  X(wsx_callback_mode_frames_larger_than_one_read_come_in_chunks) \
  X(wsx_callback_mode_echoes_from_inside_the_write_callback) \
  X(wsx_refused_or_broken_upgrades_fail_with_libcurls_codes) \
  X(wsx_subprotocol_and_user_headers_go_out_and_are_checked) \
  X(wsx_hostile_servers_fail_with_a_specific_error_and_nothing_lost) \
  X(wsx_a_close_without_status_is_answered_with_none) \
  X(wsx_a_server_that_never_answers_a_ping_meets_the_timeout) \
  X(wsx_a_server_that_keeps_the_connection_after_the_close_is_left) \
  X(wsx_connect_only_sends_and_receives_as_libcurl) \
  X(wsx_connect_only_hands_out_what_came_with_the_101_first) \
  X(wsx_connect_only_partial_sends_report_what_went_out) \
  X(wsx_connect_only_offset_frames_fragments_and_argument_checks) \
  X(wsx_connect_only_peeks_at_a_frame_with_an_empty_buffer) \
  X(wsx_ws_calls_without_a_websocket_say_why) \
  X(wsx_connect_only_2_on_an_http_url_hands_over_at_connect) \
  X(wsx_callback_mode_pause_gives_the_same_chunk_again) \
  X(wsx_callback_mode_write_error_ends_the_transfer) \
  X(wsx_callback_mode_noautopong_hands_pings_to_the_application) \
  X(wsx_callback_mode_raw_mode_passes_the_bytes_as_they_are) \
  X(wsx_callback_mode_read_callback_sends_frames) \
  X(wsx_callback_mode_application_closes_first) \
  X(wsx_callback_mode_sends_outside_callbacks_with_back_pressure) \
  X(wsx_many_websockets_sit_idle_on_one_multi_in_libuv_mode) \
  X(wsx_many_websockets_in_socket_action_mode_watch_only_input) \
  X(wsx_python_websockets_server_in_callback_mode) \
  X(wsx_python_websockets_server_with_connect_only) \
  X(wsx_wss_runs_over_tls_in_both_modes) \
  X(wsx_through_an_http_proxy_the_upgrade_goes_in_a_tunnel) \
  X(wsx_redirects_authentication_and_cookies_come_before_the_101) \
  X(wsx_a_redirect_from_ws_to_http_is_refused) \
  X(wsx_oom_each_allocation_of_a_websocket_session_fails_cleanly) \
  X(wsx_oom_each_allocation_of_a_connect_only_websocket_fails_cleanly)

/* -- section: what libcurl bindings such as pycurl need beyond HTTP
 *    (test/test-pycompat.c) -- */
#define TEST_LIST_PYCOMPAT(X) \
  X(compat_multi_socket_all_runs_every_transfer_as_perform_does) \
  X(compat_multi_socket_all_keeps_the_socket_callback_told) \
  X(compat_refused_protocols_callbacks_and_values_are_not_built_in)

#define TEST_LIST(X)   \
  TEST_LIST_PYCOMPAT(X) \
  TEST_LIST_WSX(X) \
  TEST_LIST_SOCKCB(X) \
  TEST_LIST_SHARE(X) \
  TEST_LIST_MISCAPI(X) \
  TEST_LIST_LOOP(X) \
  TEST_LIST_H2SERVER(X) \
  TEST_LIST_WS(X) \
  TEST_LIST_H2(X) \
  TEST_LIST_H2FULL(X) \
  TEST_LIST_MIME(X) \
  TEST_LIST_MULTI_API(X) \
  TEST_LIST_RAW(X) \
  TEST_LIST_DIFF(X) \
  TEST_LIST_LIBCURL_COMPAT(X) \
  TEST_LIST_NODE(X) \
  TEST_LIST_OPTIONS(X) \
  TEST_LIST_DOCS(X) \
  TEST_LIST_BENCH(X) \
  TEST_LIST_AUTH(X) \
  TEST_LIST_APIS(X) \
  TEST_LIST_UPLOAD(X) \
  TEST_LIST_COOKIE(X) \
  TEST_LIST_HSTS(X) \
  TEST_LIST_PROXY(X) \
  TEST_LIST_EMBED(X) \
  TEST_LIST_RUNNER(X)  \
  TEST_LIST_TLS(X)     \
  TEST_LIST_HTTPS(X)   \
  TEST_LIST_URL(X)     \
  TEST_LIST_DECODE(X)  \
  TEST_LIST_SERVER(X)  \
  TEST_LIST_NGINX(X)   \
  TEST_LIST_ENGINE(X)  \
  TEST_LIST_API(X)     \
  TEST_LIST_HOSTILE(X) \
  TEST_LIST_COMPAT(X)  \
  TEST_LIST_FERRY_GET(X) \
  TEST_LIST_REDIRECT(X) \
  TEST_LIST_FLOW(X)

#endif
