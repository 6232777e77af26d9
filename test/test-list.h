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
  X(url_scheme_is_case_insensitive_and_stored_lowercase) \
  X(url_default_port_follows_scheme) \
  X(url_other_schemes_are_unsupported) \
  X(url_scheme_without_slashes_is_malformed) \
  X(url_missing_scheme_without_guess_is_malformed) \
  X(url_guess_scheme_takes_bare_host_as_http) \
  X(url_null_or_empty_input_is_malformed) \
  X(url_space_or_control_character_is_malformed) \
  X(url_empty_host_is_malformed) \
  X(url_bad_ipv6_literal_is_malformed) \
  X(url_ipv6_literal_strips_brackets_and_sets_kind) \
  X(url_ipv6_literal_is_lowercased_and_normalised) \
  X(url_ipv6_literal_keeps_zone_id) \
  X(url_port_out_of_range_is_malformed) \
  X(url_port_with_non_digits_is_malformed) \
  X(url_empty_port_means_default) \
  X(url_explicit_default_port_is_recorded) \
  X(url_invalid_host_characters_are_malformed) \
  X(url_host_percent_encoding_is_decoded_or_rejected) \
  X(url_host_name_is_lowercased) \
  X(url_ipv4_shorthand_is_normalised) \
  X(url_ipv4_out_of_range_is_malformed) \
  X(url_empty_path_becomes_slash) \
  X(url_dot_segments_are_removed) \
  X(url_percent_encoding_in_path_is_kept) \
  X(url_query_and_fragment_are_split_at_first_marks) \
  X(url_bare_question_mark_gives_empty_query) \
  X(url_userinfo_is_percent_decoded) \
  X(url_userinfo_splits_on_last_at_sign) \
  X(url_userinfo_parts_may_be_absent_or_empty) \
  X(url_userinfo_with_encoded_control_byte_is_malformed) \
  X(url_longer_than_8_mib_is_malformed) \
  X(url_resolve_rfc3986_normal_examples) \
  X(url_resolve_rfc3986_abnormal_examples) \
  X(url_resolve_absolute_reference_replaces_base) \
  X(url_resolve_scheme_relative_keeps_base_scheme) \
  X(url_resolve_keeps_base_authority_for_relative_reference) \
  X(url_resolve_query_only_keeps_path) \
  X(url_resolve_fragment_only_keeps_path_and_query) \
  X(url_resolve_bad_reference_fails_and_leaves_out_empty) \
  X(url_to_string_brackets_ipv6_and_hides_default_port) \
  X(url_to_string_reencodes_userinfo_and_can_drop_parts) \
  X(url_request_target_is_path_and_query_without_fragment) \
  X(url_host_header_adds_port_only_when_not_default) \
  X(url_copy_is_deep) \
  X(url_decode_turns_escapes_into_bytes) \
  X(url_encode_escapes_all_but_unreserved)

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
  X(nginx_thousand_transfers_fifty_in_flight_uv_mode) \
  X(nginx_thousand_transfers_fifty_in_flight_socket_action_mode)

/* -- section: hostile servers and HTTP/1.1 framing (test/test-hostile.c) -- */
#define TEST_LIST_HOSTILE(X) \
  X(hostile_garbage_instead_of_status_line_is_weird_server_reply) \
  X(hostile_http09_body_without_status_line_is_weird_server_reply) \
  X(hostile_empty_reply_is_got_nothing) \
  X(hostile_close_inside_header_is_weird_server_reply) \
  X(hostile_body_cut_short_under_content_length_is_partial_file) \
  X(hostile_chunked_body_cut_short_is_partial_file) \
  X(hostile_non_hex_chunk_size_is_recv_error) \
  X(hostile_chunk_size_overflowing_64_bits_is_recv_error) \
  X(hostile_duplicate_content_length_is_weird_server_reply) \
  X(hostile_negative_content_length_is_weird_server_reply) \
  X(hostile_content_length_with_chunked_is_weird_server_reply) \
  X(hostile_header_line_of_300_kb_is_too_large) \
  X(hostile_sixty_thousand_small_headers_are_too_large) \
  X(hostile_nul_byte_in_header_is_weird_server_reply) \
  X(hostile_thousand_interim_responses_are_weird_server_reply) \
  X(hostile_three_interim_100s_then_200_delivers_final_body_only) \
  X(hostile_reset_in_middle_of_body_is_recv_error) \
  X(hostile_headers_dribbled_past_timeout_is_operation_timedout) \
  X(hostile_trickling_body_under_low_speed_limit_is_operation_timedout) \
  X(hostile_port_bound_but_not_listening_is_couldnt_connect) \
  X(hostile_connect_to_full_backlog_hits_connecttimeout) \
  X(hostile_close_delimited_body_is_ok_and_complete) \
  X(hostile_204_and_304_without_body_are_ok_without_waiting) \
  X(hostile_head_with_content_length_has_no_body_and_reuses_connection) \
  X(hostile_write_callback_returning_short_is_write_error) \
  X(hostile_write_pause_then_resume_delivers_everything_once) \
  X(hostile_idle_connection_closed_by_server_is_not_reused) \
  X(hostile_close_on_second_request_is_retried_on_fresh_connection) \
  X(hostile_unsupported_scheme_is_unsupported_protocol) \
  X(hostile_malformed_url_is_url_malformat) \
  X(hostile_invalid_tld_is_couldnt_resolve_host_without_lookup)

/* -- section: curl compatibility (test/test-compat.c) -- */
#define TEST_LIST_COMPAT(X)

#define TEST_LIST(X)   \
  TEST_LIST_RUNNER(X)  \
  TEST_LIST_URL(X)     \
  TEST_LIST_SERVER(X)  \
  TEST_LIST_NGINX(X)   \
  TEST_LIST_ENGINE(X)  \
  TEST_LIST_HOSTILE(X) \
  TEST_LIST_COMPAT(X)

#endif
