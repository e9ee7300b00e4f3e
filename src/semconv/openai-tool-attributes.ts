// Attribute names of OpenAI's hosted tools' calls (code interpreter, file search), which the GenAI
// conventions do not name: the Assistants and the Responses protocols share these tools.

/** A tool call's raw `type`, for the types the documented three do not cover. */
export const ATTR_OPENAI_TOOL_CALL_TYPE = 'openai.tool_call.type';
export const ATTR_OPENAI_CODE_INTERPRETER_OUTPUT_COUNT = 'openai.code_interpreter.output_count';
export const ATTR_OPENAI_CODE_INTERPRETER_IMAGE_COUNT = 'openai.code_interpreter.image_count';
export const ATTR_OPENAI_CODE_INTERPRETER_IMAGE_FILE_IDS = 'openai.code_interpreter.image_file_ids';
export const ATTR_OPENAI_FILE_SEARCH_RESULT_COUNT = 'openai.file_search.result_count';
export const ATTR_OPENAI_FILE_SEARCH_RANKER = 'openai.file_search.ranker';
export const ATTR_OPENAI_FILE_SEARCH_SCORE_THRESHOLD = 'openai.file_search.score_threshold';
export const ATTR_OPENAI_FILE_SEARCH_FILE_IDS = 'openai.file_search.file_ids';
