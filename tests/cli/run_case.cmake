# One CLI test case: runs the `lowrank` command and checks its exit code and output.
#   cmake -DLOWRANK=path -DARGS="a^^b^^c" -DEXPECT_RC=N [-DEXPECT_STDOUT=regex] [-DEXPECT_STDERR=regex]
#         -DWORK_DIR=dir -P run_case.cmake
# ARGS holds the arguments joined by "^^"; @DATA@ in it is replaced by the fixture folder, @WORK@ by WORK_DIR.
cmake_minimum_required(VERSION 3.25)
get_filename_component(_data "${CMAKE_CURRENT_LIST_DIR}/data" ABSOLUTE)
file(MAKE_DIRECTORY "${WORK_DIR}")
string(REPLACE "^^" ";" _list "${ARGS}")
set(_args "")
foreach(_a IN LISTS _list)
  string(REPLACE "@DATA@" "${_data}" _a "${_a}")
  string(REPLACE "@WORK@" "${WORK_DIR}" _a "${_a}")
  list(APPEND _args "${_a}")
endforeach()
execute_process(COMMAND "${LOWRANK}" ${_args} WORKING_DIRECTORY "${WORK_DIR}"
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
set(_shown "command: lowrank ${_args}\nexit code: ${_rc}\n--- stdout ---\n${_out}\n--- stderr ---\n${_err}")
if(NOT "${_rc}" STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "expected exit code ${EXPECT_RC}\n${_shown}")
endif()
if(DEFINED EXPECT_STDOUT AND NOT _out MATCHES "${EXPECT_STDOUT}")
  message(FATAL_ERROR "stdout does not match '${EXPECT_STDOUT}'\n${_shown}")
endif()
if(DEFINED EXPECT_STDERR AND NOT _err MATCHES "${EXPECT_STDERR}")
  message(FATAL_ERROR "stderr does not match '${EXPECT_STDERR}'\n${_shown}")
endif()
# A failure (exit code 1) is one clear line (at most two), never a stack of messages.
if("${_rc}" STREQUAL "1")
  string(REGEX MATCHALL "\n" _lines "${_err}")
  list(LENGTH _lines _n)
  if(_n GREATER 2)
    message(FATAL_ERROR "a failure should print at most two lines on stderr, got ${_n}\n${_shown}")
  endif()
endif()
