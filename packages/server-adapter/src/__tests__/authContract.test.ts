import { tokenAuth } from '../auth';
import { runAuthAdapterContract } from '../testing/authContract';

const ALICE_TOKEN = 'alice-3f9c0d1e2b7a4c5d8e6f';
const BOB_TOKEN = 'bob-8b1d2c3e4f5a6b7c8d9e';

runAuthAdapterContract({
  name: 'tokenAuth',
  create: () => ({
    adapter: tokenAuth({ tokens: { [ALICE_TOKEN]: 'user-alice', [BOB_TOKEN]: 'user-bob' } }),
    users: [
      { headers: { authorization: `Bearer ${ALICE_TOKEN}` }, userId: 'user-alice' },
      { headers: { authorization: `bearer ${BOB_TOKEN}` }, userId: 'user-bob' },
    ],
    refused: [
      { authorization: 'Bearer carol-0000000000000000000' },
      { authorization: `Token ${ALICE_TOKEN}` },
      { authorization: `Bearer ${ALICE_TOKEN}.${BOB_TOKEN}` },
      { cookie: `token=${ALICE_TOKEN}` },
    ],
  }),
});
